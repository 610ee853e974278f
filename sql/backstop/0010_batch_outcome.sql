-- One outcome row per applied batch instead of one per step (issue 21): an apply of 200k steps appended 200k
-- rows with their primary-key entries, 0.3-0.55 s of the server's ~3 s, in the batches' hot path. A batch's
-- applied steps now go into one backstop.batch_outcome row (their seqs in an array, with the xmin they left);
-- the steps whose outcome needs its own row keep one in backstop.step_outcome (0004's plan_step_outcome
-- renamed): skips, conflicts, sequences and steps whose whole written version (with its checksum) a later
-- step of the plan checks. The view backstop.plan_step_outcome expands both back into 0004's per-step rows,
-- so every reader (load, progress, the reports, backstop.applied_write, ad-hoc queries) reads what it read.
-- Rows written before this migration stay where they are and read the same through the view.

ALTER TABLE backstop.plan_step_outcome RENAME TO step_outcome;
ALTER INDEX backstop.plan_step_outcome_pkey RENAME TO step_outcome_pkey;

-- The steps one batch applied, written in that batch's transaction. first_seq/last_seq bound every step the
-- batch decided (its conflicts too), so the check that no step gets a second outcome (PlanStore.recordBatch)
-- looks only at the batches whose bounds overlap. written_xmin is the xmin the batch's writes carry (its
-- transaction's id); written_xmins, when set, holds one per step instead, in applied's order (an image step
-- leaves its product row, and so the product's planned xmin, as it was).
CREATE TABLE backstop.batch_outcome (
    plan_id       bigint NOT NULL,
    batch         integer NOT NULL,
    apply_run_id  bigint,
    applied_at    timestamptz NOT NULL DEFAULT now(),
    first_seq     integer NOT NULL,
    last_seq      integer NOT NULL,
    applied       integer[] NOT NULL,
    written_xmin  bigint,
    written_xmins bigint[],
    PRIMARY KEY (plan_id, batch)
);

-- 0004's rows, one per step, whichever table holds them.
CREATE VIEW backstop.plan_step_outcome AS
SELECT o.plan_id, o.seq, o.outcome, o.batch, o.apply_run_id, o.applied_at, o.written_xmin, o.written_checksum
  FROM backstop.step_outcome o
UNION ALL
SELECT b.plan_id, a.seq, 'applied'::text, b.batch, b.apply_run_id, b.applied_at, coalesce(a.written_xmin, b.written_xmin),
       NULL::text
  FROM backstop.batch_outcome b CROSS JOIN LATERAL unnest(b.applied, b.written_xmins) AS a(seq, written_xmin);

-- 0004's view read the renamed table; it reads every outcome now.
CREATE OR REPLACE VIEW backstop.applied_write AS
SELECT DISTINCT ON (s.entity, s.target)
       s.entity, s.target, s.plan_id, s.seq, s.action, o.written_xmin, o.written_checksum, o.applied_at, o.apply_run_id
  FROM backstop.plan_step s JOIN backstop.plan_step_outcome o ON o.plan_id = s.plan_id AND o.seq = s.seq
 WHERE o.outcome = 'applied' AND s.target IS NOT NULL
 ORDER BY s.entity, s.target, o.applied_at DESC, s.plan_id DESC, s.seq DESC;

CREATE OR REPLACE FUNCTION backstop.plan_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM backstop.step_outcome WHERE plan_id = OLD.id;
    DELETE FROM backstop.batch_outcome WHERE plan_id = OLD.id;
    RETURN OLD;
END
$$;
