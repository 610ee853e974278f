-- A discrepancy is a rendering of a typed change: keep what the change carries beyond the raw values, so
-- `backstop report --run N` re-renders a run exactly and merge planning can read findings back.
ALTER TABLE backstop.discrepancy
    ADD COLUMN item               text,
    ADD COLUMN bitrix_normalized  text,
    ADD COLUMN catalog_normalized text,
    ADD COLUMN cause              text,
    ADD COLUMN action             text;
