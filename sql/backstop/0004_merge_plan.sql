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
-- gets typed columns so the apply compares without parsing JSON. plan_step is the plan as made and is never
-- updated; what became of each step is appended to plan_step_outcome (0001's outcome/applied_at stay unused).
ALTER TABLE backstop.plan_step
    ADD COLUMN phase        text,
    ADD COLUMN target       bigint,
    ADD COLUMN resolves     text[] NOT NULL DEFAULT '{}',
    ADD COLUMN row_xmin     bigint,
    ADD COLUMN row_checksum text,
    ADD COLUMN intended     text,
    ADD COLUMN reason       text;
CREATE INDEX plan_step_target_idx ON backstop.plan_step (entity, target);

-- One row per step that has an outcome, written in the transaction of the batch that decided it: the primary
-- key makes a repeated step fail its batch instead of writing twice. written_xmin is the row's xmin after
-- the step (the tag of Backstop's writes); written_checksum is kept where a later step of the plan, or an
-- image step, needs the whole version. No foreign keys: a per-row check on every batch's hot path cost more
-- than the batch's catalog writes; the outcome rows go with their plan through the trigger below.
CREATE TABLE backstop.plan_step_outcome (
    plan_id          bigint NOT NULL,
    seq              integer NOT NULL,
    outcome          text NOT NULL CHECK (outcome IN ('applied', 'conflict', 'skipped')),
    batch            integer,
    apply_run_id     bigint,
    applied_at       timestamptz NOT NULL DEFAULT now(),
    written_xmin     bigint,
    written_checksum text,
    PRIMARY KEY (plan_id, seq)
);

CREATE FUNCTION backstop.plan_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM backstop.plan_step_outcome WHERE plan_id = OLD.id;
    RETURN OLD;
END
$$;
CREATE TRIGGER plan_deleted AFTER DELETE ON backstop.plan FOR EACH ROW EXECUTE FUNCTION backstop.plan_deleted();

-- A refused apply (the safety valve) is recorded as such.
ALTER TABLE backstop.run DROP CONSTRAINT run_status_check;
ALTER TABLE backstop.run ADD CONSTRAINT run_status_check
    CHECK (status IN ('running', 'succeeded', 'drift', 'partial', 'failed', 'aborted', 'refused'));

-- The last version a Backstop apply wrote to each row: a later run, a trigger or the reverse-sync path
-- tells Backstop's writes from the webhooks' by joining on (entity, target) and comparing the row's
-- current xmin with written_xmin (equal: nobody wrote the row since Backstop did). An image step leaves
-- the product row as it was: for entity productimage compare the product's checksum with written_checksum.
CREATE VIEW backstop.applied_write AS
SELECT DISTINCT ON (s.entity, s.target)
       s.entity, s.target, s.plan_id, s.seq, s.action, o.written_xmin, o.written_checksum, o.applied_at, o.apply_run_id
  FROM backstop.plan_step s JOIN backstop.plan_step_outcome o ON o.plan_id = s.plan_id AND o.seq = s.seq
 WHERE o.outcome = 'applied' AND s.target IS NOT NULL
 ORDER BY s.entity, s.target, o.applied_at DESC, s.plan_id DESC, s.seq DESC;
