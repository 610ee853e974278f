-- product_embeddings as plain `create_all` leaves it: no FK to product, no UNIQUE(product_id,
-- embedding_type), no vector index, no trigger. Upstream the column is pgvector `vector(512)`;
-- pgvector is not packaged for this Debian, so here it is `real[]`. Backstop detects the column type at
-- run time and handles both.
CREATE TABLE product_embeddings (
    id             serial PRIMARY KEY,
    product_id     integer NOT NULL,
    embedding      real[] NOT NULL,
    embedding_type varchar(20) NOT NULL DEFAULT 'image',
    model_version  varchar(50) NOT NULL DEFAULT 'vertex-multimodal-001',
    source_url     text,
    created_at     timestamp NOT NULL DEFAULT now(),
    updated_at     timestamp NOT NULL DEFAULT now()
);
CREATE INDEX ix_product_embeddings_product_id ON product_embeddings (product_id);
CREATE INDEX ix_product_embeddings_embedding_type ON product_embeddings (embedding_type);
