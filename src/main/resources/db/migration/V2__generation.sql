CREATE TABLE job (
    id                uuid PRIMARY KEY,
    status            text           NOT NULL,
    provider          text           NOT NULL,
    model             text           NOT NULL,
    context           text           NOT NULL,
    params            jsonb          NOT NULL,
    estimate          jsonb          NOT NULL,
    max_cost_usd      numeric(14, 6),
    max_tokens        bigint,
    prompt_tokens     bigint         NOT NULL DEFAULT 0,
    completion_tokens bigint         NOT NULL DEFAULT 0,
    cost_usd          numeric(14, 6) NOT NULL DEFAULT 0,
    error             text,
    created_at        timestamptz    NOT NULL DEFAULT now(),
    started_at        timestamptz,
    finished_at       timestamptz
);

CREATE TABLE job_document (
    job_id      uuid NOT NULL REFERENCES job (id) ON DELETE CASCADE,
    document_id uuid NOT NULL REFERENCES document (id),
    PRIMARY KEY (job_id, document_id)
);

CREATE SEQUENCE task_seq INCREMENT BY 50;

CREATE TABLE task (
    id                bigint PRIMARY KEY,
    job_id            uuid          NOT NULL REFERENCES job (id) ON DELETE CASCADE,
    chunk_id          bigint        NOT NULL REFERENCES chunk (id),
    temperature       numeric(5, 3) NOT NULL,
    variant           text          NOT NULL,
    status            text          NOT NULL,
    attempts          integer       NOT NULL DEFAULT 0,
    next_attempt_at   timestamptz   NOT NULL DEFAULT now(),
    lease_until       timestamptz,
    leased_by         text,
    last_error        text,
    prompt_tokens     integer       NOT NULL DEFAULT 0,
    completion_tokens integer       NOT NULL DEFAULT 0,
    cost_usd          numeric(14, 6) NOT NULL DEFAULT 0,
    -- Asked-for pairs and the estimate made at creation: what a budget reserves while the task runs.
    questions         integer       NOT NULL DEFAULT 0,
    est_tokens        integer       NOT NULL DEFAULT 0,
    est_cost_usd      numeric(14, 6) NOT NULL DEFAULT 0,
    finished_at       timestamptz,
    UNIQUE (job_id, chunk_id, temperature, variant)
);

-- Claims walk this in id order and stop at the first free task: no sort, however many tasks are pending.
CREATE INDEX task_claimable ON task (id) WHERE status IN ('PENDING', 'RUNNING');
CREATE INDEX task_job_status ON task (job_id, status);

CREATE SEQUENCE qa_pair_seq INCREMENT BY 50;

-- A task's pairs are inserted in the transaction that marks the task done: exactly once, whatever crashes.
CREATE TABLE qa_pair (
    id              bigint PRIMARY KEY,
    job_id          uuid          NOT NULL REFERENCES job (id) ON DELETE CASCADE,
    task_id         bigint        NOT NULL REFERENCES task (id) ON DELETE CASCADE,
    chunk_id        bigint        NOT NULL REFERENCES chunk (id),
    ordinal         integer       NOT NULL,
    question        text          NOT NULL,
    answer          text          NOT NULL,
    temperature     numeric(5, 3) NOT NULL,
    variant         text          NOT NULL,
    model           text          NOT NULL,
    attempt         integer       NOT NULL,
    split           text          NOT NULL,
    rejected_reason text,
    -- 64 bits of SHA-256 over the normalised question and answer: finds exact duplicates within a job.
    dedupe_key      bigint,
    created_at      timestamptz   NOT NULL DEFAULT now(),
    UNIQUE (task_id, ordinal)
);

CREATE INDEX qa_pair_export ON qa_pair (job_id, split, chunk_id, id) WHERE rejected_reason IS NULL;
-- One accepted copy of a pair per job: concurrent tasks insert with ON CONFLICT DO NOTHING, the loser stores a duplicate.
CREATE UNIQUE INDEX qa_pair_dedupe ON qa_pair (job_id, dedupe_key) WHERE rejected_reason IS NULL;
CREATE INDEX qa_pair_task ON qa_pair (task_id);
