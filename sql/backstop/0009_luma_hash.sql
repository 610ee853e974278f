-- Near-duplicates that lost their colour (issue 16): a grayscale copy's colour/edge descriptor is far from the
-- original's, so the cosine never makes it a candidate. Every decoded picture also gets the 64-bit DCT
-- perceptual hash of its luma (ImageFingerprint.lumaHash), and pairs within a few bits of each other are
-- candidates too. The hash is kept beside the vector (an incremental run compares every product's hash, so it
-- needs the unchanged ones' from here) and beside a refit's saved descriptors (a resumed refit reuses them).
-- NULL on rows written before this migration: such a product is decoded again by the next run.
-- Only pairs with a grayscale picture (luma_grayscale) need this source: copies that kept their colour are the
-- cosine's, and synthetic bouquets on one backdrop share their luma layout often enough to flood the verifier.
ALTER TABLE backstop.image_vector ADD COLUMN luma_hash bigint, ADD COLUMN luma_grayscale boolean NOT NULL DEFAULT false;
ALTER TABLE backstop.image_descriptor ADD COLUMN luma_hash bigint,
    ADD COLUMN luma_grayscale boolean NOT NULL DEFAULT false;
