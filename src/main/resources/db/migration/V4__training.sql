CREATE TABLE training_run (
    id               uuid PRIMARY KEY,
    job_id           uuid        NOT NULL REFERENCES job (id),
    base_model       text        NOT NULL,
    params           jsonb       NOT NULL,
    status           text        NOT NULL,
    worker_id        text,
    lease_seconds    integer     NOT NULL DEFAULT 120,
    lease_until      timestamptz,
    cancel_requested boolean     NOT NULL DEFAULT false,
    progress         jsonb,
    metrics          jsonb,
    report           jsonb,
    adapter_uri      text,
    error            text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz
);

CREATE INDEX training_run_claimable ON training_run (created_at) WHERE status IN ('QUEUED', 'RUNNING');

-- Every heartbeat, kept: the loss curve and learning-rate schedule a user looks at.
CREATE TABLE training_progress (
    id          bigserial PRIMARY KEY,
    run_id      uuid        NOT NULL REFERENCES training_run (id) ON DELETE CASCADE,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    progress    jsonb       NOT NULL
);

CREATE INDEX training_progress_run ON training_progress (run_id, id);
