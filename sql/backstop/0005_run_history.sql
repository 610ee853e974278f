-- Run history and re-rendering: each finding remembers the run it was first seen in (carried over from the
-- previous comparable run while it persists), and each run keeps the report context that is not in its
-- discrepancies (stages, rows compared, snapshot, webhook health) so `backstop report --run N` renders the
-- same report again. A run stopped by --max-seconds gets its own status.
ALTER TABLE backstop.discrepancy
    ADD COLUMN first_seen_run_id bigint,
    ADD COLUMN first_seen_at     timestamptz;

ALTER TABLE backstop.run
    ADD COLUMN report jsonb;

ALTER TABLE backstop.run DROP CONSTRAINT run_status_check;
ALTER TABLE backstop.run ADD CONSTRAINT run_status_check
    CHECK (status IN ('running', 'succeeded', 'drift', 'partial', 'failed', 'aborted', 'refused', 'timed_out'));

-- The previous comparable run: same kind, complete, newest first.
CREATE INDEX run_kind_id_idx ON backstop.run (kind, id DESC);
