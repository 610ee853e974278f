-- Incremental similarity and resumable reindexes (issue 9, items 5 and 7).

-- The near-duplicate pairs of the last similarity pass (first < second). Reports carry the full set every run;
-- an incremental pass recomputes only the pairs of changed products and takes the others from here.
CREATE TABLE backstop.image_duplicate (
    first_product_id  integer NOT NULL,
    second_product_id integer NOT NULL,
    score             real NOT NULL,
    model_version     text NOT NULL,
    run_id            bigint REFERENCES backstop.run(id) ON DELETE SET NULL,
    PRIMARY KEY (first_product_id, second_product_id),
    CHECK (first_product_id < second_product_id)
);
CREATE INDEX image_duplicate_second_idx ON backstop.image_duplicate (second_product_id);

-- What the stored lists (similar_product) and pairs (image_duplicate) were computed with: at most one row.
-- An incremental pass starts from them only when the model, k and threshold are the same.
CREATE TABLE backstop.similarity_state (
    singleton           boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    model_version       text NOT NULL,
    k                   integer NOT NULL,
    duplicate_threshold real NOT NULL,
    products            integer NOT NULL,
    run_id              bigint REFERENCES backstop.run(id) ON DELETE SET NULL
);

-- Whether the stored lists and pairs reflect this vector: false when it was written after the last
-- similarity pass (re-embedded, or saved by a run that stopped before its similarity pass).
ALTER TABLE backstop.image_vector ADD COLUMN in_similarity boolean NOT NULL DEFAULT false;

-- A refit (reindex --full, or the first run) needs every image's descriptor before it can embed anything.
-- Descriptors are saved here in batches while the pass runs, and a row in reindex_progress marks the pass as
-- unfinished: the next refitting run reuses the descriptors whose image bytes (SHA-256) still match instead of
-- decoding those images again. A finished pass deletes both.
CREATE TABLE backstop.image_descriptor (
    product_id         integer PRIMARY KEY,
    image_sha256       text NOT NULL,
    descriptor_version integer NOT NULL,
    descriptor         real[] NOT NULL,
    run_id             bigint REFERENCES backstop.run(id) ON DELETE SET NULL
);

CREATE TABLE backstop.reindex_progress (
    singleton          boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    mode               text NOT NULL,
    descriptor_version integer NOT NULL,
    codecs             text NOT NULL,
    images             integer NOT NULL,
    run_id             bigint REFERENCES backstop.run(id) ON DELETE SET NULL
);
