CREATE TABLE document (
    id          uuid PRIMARY KEY,
    name        text        NOT NULL,
    title       text,
    sha256      text        NOT NULL UNIQUE CHECK (length(sha256) = 64),
    media_type  text        NOT NULL,
    size_bytes  bigint      NOT NULL,
    pages       integer     NOT NULL,
    tokens      integer     NOT NULL,
    chunk_count integer     NOT NULL,
    status      text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The cleaned full text lives apart so listing documents never drags megabytes of text along.
CREATE TABLE document_text (
    document_id uuid PRIMARY KEY REFERENCES document (id) ON DELETE CASCADE,
    text        text NOT NULL
);

CREATE SEQUENCE chunk_seq INCREMENT BY 50;

CREATE TABLE chunk (
    id          bigint PRIMARY KEY,
    document_id uuid    NOT NULL REFERENCES document (id) ON DELETE CASCADE,
    ordinal     integer NOT NULL,
    text        text    NOT NULL,
    tokens      integer NOT NULL,
    page_from   integer NOT NULL,
    page_to     integer NOT NULL,
    char_from   integer NOT NULL,
    char_to     integer NOT NULL,
    UNIQUE (document_id, ordinal)
);
