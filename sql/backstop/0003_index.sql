-- The index stage (issue 9): Backstop's local embedding model and its vectors. They never go into the
-- upstream product_embeddings table (live search compares that with Vertex vectors).

-- The local model's frozen numbers, under the label its vectors carry. Exactly one is current: the one
-- incremental runs embed with; a full reindex fits a new one and makes it current.
CREATE TABLE backstop.embedding_model (
    model_version    text PRIMARY KEY,
    dimensions       integer NOT NULL,
    input_dimensions integer NOT NULL,
    fitted_on        integer NOT NULL,
    parameters       bytea NOT NULL,
    is_current       boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now(),
    run_id           bigint REFERENCES backstop.run(id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX embedding_model_current_idx ON backstop.embedding_model (is_current) WHERE is_current;

-- One local vector per product: the image bytes (SHA-256) and model it came from, so "did the image or the
-- model change?" is a lookup. Rows are written as images are embedded, which makes a reindex resumable.
CREATE TABLE backstop.image_vector (
    product_id    integer PRIMARY KEY,
    source_url    text NOT NULL,
    image_sha256  text NOT NULL,
    model_version text NOT NULL,
    vector        real[] NOT NULL,
    computed_at   timestamptz NOT NULL DEFAULT now(),
    run_id        bigint REFERENCES backstop.run(id) ON DELETE SET NULL
);
