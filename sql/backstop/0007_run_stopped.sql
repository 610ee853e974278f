-- Every run ends in the ledger (issue 17): a run stopped by a signal at a safe point is `stopped` (with the
-- signal's number), and a `running` row whose process is gone (SIGKILL, power loss) is marked `abandoned` by
-- the next run, which can tell because the run's own advisory lock (held by its session for its whole life)
-- is free.
ALTER TABLE backstop.run ADD COLUMN signal integer;

ALTER TABLE backstop.run DROP CONSTRAINT run_status_check;
ALTER TABLE backstop.run ADD CONSTRAINT run_status_check
    CHECK (status IN ('running', 'succeeded', 'drift', 'partial', 'failed', 'aborted', 'refused', 'timed_out',
                      'stopped', 'abandoned'));

-- The next run looks for `running` rows at its start.
CREATE INDEX run_running_idx ON backstop.run (id) WHERE status = 'running';
