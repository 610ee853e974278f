-- Multi-shop runs (issue 18, items 3 and 4): which shops a run reconciled and which partition of a fleet it
-- was (`K/N` of `--partition`), so `backstop runs --shop` and `backstop fleet --since` find a shop's runs and
-- a fleet's partitions in the ledger. Older rows keep NULL (their shop is inputs->>'shop_id').
ALTER TABLE backstop.run ADD COLUMN shops bigint[];
ALTER TABLE backstop.run ADD COLUMN fleet_partition text CHECK (fleet_partition ~ '^[0-9]+/[0-9]+$');
CREATE INDEX run_shops_idx ON backstop.run USING gin (shops);
