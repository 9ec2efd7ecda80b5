-- Jobs in batch mode send their calls through a provider's Batch API (half price, answers within 24 h) instead of one
-- synchronous call each; their tasks are never claimed by the synchronous workers.
ALTER TABLE job ADD COLUMN mode text NOT NULL DEFAULT 'sync';

-- One submitted batch of one job's tasks. The provider's ids live here, so a replica that restarts (or another one)
-- goes on polling the batch it finds rather than submitting its tasks again; the lease says which replica is working
-- on it now (submitting, polling or reading its results).
CREATE TABLE provider_batch (
    id                bigserial   PRIMARY KEY,
    job_id            uuid        NOT NULL REFERENCES job (id) ON DELETE CASCADE,
    provider          text        NOT NULL,
    provider_batch_id text,
    input_file_id     text,
    output_file_id    text,
    error_file_id     text,
    -- 'preparing' until the provider accepts it, then the provider's own status (validating … completed, failed, …).
    status            text        NOT NULL,
    requests_total    integer     NOT NULL DEFAULT 0,
    requests_done     integer     NOT NULL DEFAULT 0,
    requests_failed   integer     NOT NULL DEFAULT 0,
    error             text,
    leased_by         text,
    lease_until       timestamptz,
    next_poll_at      timestamptz NOT NULL DEFAULT now(),
    created_at        timestamptz NOT NULL DEFAULT now(),
    completed_at      timestamptz,
    -- Set once every task of the batch has its outcome stored: nothing more to do with it.
    settled_at        timestamptz
);

CREATE INDEX provider_batch_live ON provider_batch (provider, next_poll_at) WHERE settled_at IS NULL;
CREATE INDEX provider_batch_job ON provider_batch (job_id);

-- The batch a task was last sent in; a task in a live batch is RUNNING, leased by the batch ('batch-<id>').
ALTER TABLE task ADD COLUMN batch_id bigint REFERENCES provider_batch (id);
