-- Documents are extracted in the background: PROCESSING (with pages done / total and a lease held by the replica at
-- work), then READY, or FAILED with the problem that stopped it. The original bytes are kept for re-extraction.
ALTER TABLE document
    ADD COLUMN ocr           text        NOT NULL DEFAULT 'AUTO',
    ADD COLUMN ocr_languages text        NOT NULL DEFAULT 'eng',
    ADD COLUMN ocr_pages     integer     NOT NULL DEFAULT 0,
    ADD COLUMN pages_done    integer     NOT NULL DEFAULT 0,
    ADD COLUMN error_type    text,
    ADD COLUMN error_title   text,
    ADD COLUMN error_detail  text,
    -- Extraction runs started; also the fencing token: only the run holding the current number may store its result.
    ADD COLUMN attempts      integer     NOT NULL DEFAULT 0,
    ADD COLUMN lease_until   timestamptz,
    -- The uploaded bytes as a PostgreSQL large object; null when they live in the configured directory (or predate V6).
    ADD COLUMN original_oid  oid,
    ADD COLUMN has_original  boolean     NOT NULL DEFAULT false,
    ADD COLUMN updated_at    timestamptz NOT NULL DEFAULT now();

UPDATE document SET pages_done = pages;

CREATE INDEX document_processing ON document (lease_until) WHERE status = 'PROCESSING';

-- Chunks holding text read by OCR say so (provenance).
ALTER TABLE chunk ADD COLUMN ocr boolean NOT NULL DEFAULT false;
