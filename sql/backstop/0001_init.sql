-- Backstop's own schema. Numbered migrations in this folder are applied in order by
-- `backstop db migrate`, each in its own transaction, and recorded in backstop.schema_migration.
-- Backstop never alters the upstream catalog tables.

CREATE SCHEMA IF NOT EXISTS backstop;

-- One row per pipeline run (nightly, diff, apply, reindex, …).
CREATE TABLE backstop.run (
    id               bigserial PRIMARY KEY,
    kind             text NOT NULL CHECK (kind IN ('nightly', 'diff', 'apply', 'reindex', 'report', 'extract')),
    status           text NOT NULL DEFAULT 'running'
                     CHECK (status IN ('running', 'succeeded', 'drift', 'partial', 'failed', 'aborted')),
    started_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz,
    host             text NOT NULL,
    pid              integer NOT NULL,
    backstop_version text NOT NULL,
    dry_run          boolean NOT NULL DEFAULT true,
    partial          boolean NOT NULL DEFAULT false,
    arguments        jsonb NOT NULL DEFAULT '[]',
    inputs           jsonb NOT NULL DEFAULT '{}',
    counts           jsonb NOT NULL DEFAULT '{}',
    exit_code        integer,
    report_dir       text,
    error            text
);
CREATE INDEX run_started_at_idx ON backstop.run (started_at DESC);
CREATE INDEX run_kind_status_idx ON backstop.run (kind, status);

-- Every discrepancy a run found. `kind` uses the names of the ground-truth manifest
-- (product.missing, product.field, order.status_unmapped, embedding.stale, …).
CREATE TABLE backstop.discrepancy (
    id            bigserial PRIMARY KEY,
    run_id        bigint NOT NULL REFERENCES backstop.run(id) ON DELETE CASCADE,
    kind          text NOT NULL,
    entity        text NOT NULL,
    entity_key    text NOT NULL,
    field         text,
    bitrix_value  text,
    catalog_value text,
    parser        text,
    probable_cause text,
    severity      text NOT NULL DEFAULT 'error' CHECK (severity IN ('info', 'warning', 'error')),
    details       jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX discrepancy_run_kind_idx ON backstop.discrepancy (run_id, kind);
CREATE INDEX discrepancy_entity_idx ON backstop.discrepancy (entity, entity_key);

-- Where each catalog row came from, as far as Backstop can tell (the catalog itself has no origin
-- flag): a preserved Bitrix id, a local sequence id, or a collision of the two.
CREATE TABLE backstop.provenance (
    entity        text NOT NULL,
    entity_id     bigint NOT NULL,
    origin        text NOT NULL CHECK (origin IN ('bitrix', 'local', 'collision', 'unknown')),
    bitrix_id     bigint,
    source        text,
    first_run_id  bigint REFERENCES backstop.run(id) ON DELETE SET NULL,
    last_run_id   bigint REFERENCES backstop.run(id) ON DELETE SET NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (entity, entity_id)
);

-- Embedding bookkeeping beside the upstream product_embeddings: which image bytes and model produced
-- the vector, so staleness is a lookup, not a guess.
CREATE TABLE backstop.embedding_state (
    product_id     integer NOT NULL,
    embedding_type text NOT NULL DEFAULT 'image',
    source_url     text,
    image_sha256   bytea,
    model_version  text NOT NULL,
    dimensions     integer NOT NULL,
    norm           real,
    status         text NOT NULL CHECK (status IN ('current', 'stale', 'orphan', 'failed', 'missing')),
    error          text,
    computed_at    timestamptz NOT NULL DEFAULT now(),
    run_id         bigint REFERENCES backstop.run(id) ON DELETE SET NULL,
    PRIMARY KEY (product_id, embedding_type)
);

-- Top-k similar products and near-duplicate pairs from the last similarity pass.
CREATE TABLE backstop.similar_product (
    product_id         integer NOT NULL,
    similar_product_id integer NOT NULL,
    rank               integer NOT NULL,
    score              real NOT NULL,
    model_version      text NOT NULL,
    run_id             bigint REFERENCES backstop.run(id) ON DELETE SET NULL,
    PRIMARY KEY (product_id, rank)
);
CREATE INDEX similar_product_pair_idx ON backstop.similar_product (product_id, similar_product_id);

-- A merge plan: the ordered steps that would bring the catalog in line, applied only on request.
CREATE TABLE backstop.plan (
    id          bigserial PRIMARY KEY,
    run_id      bigint NOT NULL REFERENCES backstop.run(id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    status      text NOT NULL DEFAULT 'planned'
                CHECK (status IN ('planned', 'applying', 'applied', 'aborted', 'superseded')),
    summary     jsonb NOT NULL DEFAULT '{}',
    applied_at  timestamptz
);

CREATE TABLE backstop.plan_step (
    plan_id     bigint NOT NULL REFERENCES backstop.plan(id) ON DELETE CASCADE,
    seq         integer NOT NULL,
    action      text NOT NULL,
    entity      text NOT NULL,
    entity_key  text NOT NULL,
    expected    jsonb,
    desired     jsonb,
    applied_at  timestamptz,
    outcome     text,
    PRIMARY KEY (plan_id, seq)
);

-- Resumable progress of long stages (e.g. a full reindex).
CREATE TABLE backstop.checkpoint (
    run_id     bigint NOT NULL REFERENCES backstop.run(id) ON DELETE CASCADE,
    stage      text NOT NULL,
    position   jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, stage)
);
