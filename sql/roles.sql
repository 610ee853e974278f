-- Least privilege for Backstop (issue 17). Two group roles; give each login one of them.
--
--   backstop_reader  diff, nightly (without --apply), runs, report: SELECT on the upstream catalog tables,
--                    and its own schema `backstop` (the run ledger, findings, plans, index bookkeeping).
--                    It cannot change a single upstream row: `backstop apply` run as it fails before
--                    writing, naming the missing privilege.
--   backstop_writer  apply, nightly --apply, reindex with a production provider: the reader's rights plus
--                    the writes a merge plan makes (insert/update products, image rows, order status and
--                    history rows, the product id sequence) and product_embeddings.
--
-- Run as the catalog owner (or a superuser), after `backstop db migrate` (which the owner runs: it creates
-- the `backstop` schema), and again after a migration adds tables:
--   psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f sql/roles.sql
--   psql "$DATABASE_URL" -c "CREATE ROLE backstop_nightly LOGIN PASSWORD '…' IN ROLE backstop_reader"
--   psql "$DATABASE_URL" -c "CREATE ROLE backstop_apply LOGIN PASSWORD '…' IN ROLE backstop_writer"
-- Idempotent. Upstream tables a catalog lacks (product_embeddings comes from a separate migration) are
-- skipped.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'backstop_reader') THEN
        CREATE ROLE backstop_reader NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'backstop_writer') THEN
        CREATE ROLE backstop_writer NOLOGIN IN ROLE backstop_reader;
    END IF;
END
$$;

-- Reader: read the upstream catalog (public schema) and its sequences (the product id sequence's position).
GRANT USAGE ON SCHEMA public TO backstop_reader;
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['product', 'productimage', 'order', 'orderitem', 'orderhistory', 'client', 'shop',
                             'user', 'user_shop', 'product_embeddings']
    LOOP
        IF to_regclass(quote_ident(t)) IS NOT NULL THEN
            EXECUTE format('GRANT SELECT ON TABLE public.%I TO backstop_reader', t);
        END IF;
    END LOOP;
END
$$;
GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO backstop_reader;

-- Reader: its own schema, read and write (no DDL: migrations stay with the owner).
GRANT USAGE ON SCHEMA backstop TO backstop_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA backstop TO backstop_reader;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA backstop TO backstop_reader;

-- Writer: what a merge plan writes (ID-preserving inserts, named-column updates, soft deletes as
-- enabled = false, image rows, order status with an orderhistory row, the product id sequence), and the
-- production vectors a reindex with a provider writes.
GRANT INSERT, UPDATE ON TABLE public.product TO backstop_writer;
GRANT INSERT, UPDATE, DELETE ON TABLE public.productimage TO backstop_writer;
GRANT UPDATE ON TABLE public."order" TO backstop_writer;
GRANT INSERT ON TABLE public.orderhistory TO backstop_writer;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO backstop_writer;
DO $$
BEGIN
    IF to_regclass('product_embeddings') IS NOT NULL THEN
        GRANT INSERT, UPDATE, DELETE ON TABLE public.product_embeddings TO backstop_writer;
    END IF;
END
$$;
