-- A named union of jobs exported as one dataset: users iterate, and want every round in one file.
CREATE TABLE dataset (
    id         uuid PRIMARY KEY,
    name       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Deleting a job shrinks the datasets that name it instead of blocking the deletion.
CREATE TABLE dataset_job (
    dataset_id uuid NOT NULL REFERENCES dataset (id) ON DELETE CASCADE,
    job_id     uuid NOT NULL REFERENCES job (id) ON DELETE CASCADE,
    PRIMARY KEY (dataset_id, job_id)
);

-- One push of a job's (or dataset's) export to the Hugging Face Hub. The token is never stored: it lives in memory
-- for the duration of the push, and a push whose heartbeat stops (the service died) is failed as interrupted.
CREATE TABLE hub_push (
    id           uuid PRIMARY KEY,
    job_id       uuid REFERENCES job (id) ON DELETE CASCADE,
    dataset_id   uuid REFERENCES dataset (id) ON DELETE CASCADE,
    repo_id      text        NOT NULL,
    private      boolean     NOT NULL,
    format       text        NOT NULL,
    status       text        NOT NULL,
    commit_url   text,
    error        text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    CHECK ((job_id IS NULL) <> (dataset_id IS NULL))
);

CREATE INDEX hub_push_active ON hub_push (heartbeat_at) WHERE status IN ('QUEUED', 'RUNNING');
