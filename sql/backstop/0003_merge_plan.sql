-- Merge plans that can be applied (issue 10): what a plan was made against, each step's row version and
-- outcome, and the version each applied step left behind (the tag that tells Backstop's writes from the
-- webhooks'). An apply commits a batch's catalog writes, its steps' outcomes and its checkpoint in one
-- transaction, so a killed apply leaves no batch half-done and a re-run finishes the plan without
-- repeating a step.

ALTER TABLE backstop.plan
    ADD COLUMN shop_id      bigint,
    ADD COLUMN fingerprint  text,
    ADD COLUMN endpoint     text,
    ADD COLUMN snapshot     text,
    ADD COLUMN partial      boolean NOT NULL DEFAULT false,
    ADD COLUMN policy       jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN base         jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN source       text NOT NULL DEFAULT 'run',
    ADD COLUMN format       integer NOT NULL DEFAULT 1;

-- expected/desired (0001) hold what a step found and what it sets; the row version it was planned against
-- gets typed columns so the apply compares without parsing JSON.
ALTER TABLE backstop.plan_step
    ADD COLUMN phase            text,
    ADD COLUMN target           bigint,
    ADD COLUMN resolves         text[] NOT NULL DEFAULT '{}',
    ADD COLUMN row_xmin         bigint,
    ADD COLUMN row_checksum     text,
    ADD COLUMN intended         text,
    ADD COLUMN reason           text,
    ADD COLUMN batch            integer,
    ADD COLUMN written_xmin     bigint,
    ADD COLUMN written_checksum text,
    ADD COLUMN apply_run_id     bigint REFERENCES backstop.run(id) ON DELETE SET NULL,
    ADD CONSTRAINT plan_step_outcome_check CHECK (outcome IS NULL OR outcome IN ('applied', 'conflict', 'skipped'));
CREATE INDEX plan_step_pending_idx ON backstop.plan_step (plan_id, seq) WHERE outcome IS NULL;
CREATE INDEX plan_step_target_idx ON backstop.plan_step (entity, target) WHERE outcome = 'applied';

-- A refused apply (the safety valve) is recorded as such.
ALTER TABLE backstop.run DROP CONSTRAINT run_status_check;
ALTER TABLE backstop.run ADD CONSTRAINT run_status_check
    CHECK (status IN ('running', 'succeeded', 'drift', 'partial', 'failed', 'aborted', 'refused'));

-- The last version a Backstop apply wrote to each row: a later run, a trigger or the reverse-sync path
-- tells Backstop's writes from the webhooks' by joining on (entity, target) and comparing the row's
-- current xmin with written_xmin (equal: nobody wrote the row since Backstop did).
CREATE VIEW backstop.applied_write AS
SELECT DISTINCT ON (s.entity, s.target)
       s.entity, s.target, s.plan_id, s.seq, s.action, s.written_xmin, s.written_checksum, s.applied_at, s.apply_run_id
  FROM backstop.plan_step s
 WHERE s.outcome = 'applied' AND s.target IS NOT NULL
 ORDER BY s.entity, s.target, s.applied_at DESC, s.plan_id DESC, s.seq DESC;
