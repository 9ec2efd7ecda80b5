-- A run trains on the union of one or more jobs (a job, a dataset's jobs, a first round plus its top-up), or on
-- nothing at all when it only evaluates base models on an exam.
ALTER TABLE training_run
    ALTER COLUMN job_id DROP NOT NULL,
    ADD COLUMN dataset_id    uuid REFERENCES dataset (id) ON DELETE SET NULL,
    ADD COLUMN exam_id       uuid REFERENCES exam (id),
    ADD COLUMN evaluate_only boolean NOT NULL DEFAULT false,
    -- runs created together by one comparison of base models
    ADD COLUMN comparison_id uuid,
    -- claims that did not end in a release: a run that lost its worker this many times is failed, not handed out again
    ADD COLUMN attempts      integer NOT NULL DEFAULT 0,
    -- the worker's recall summary: before / in context / after, by direction, recovery ratio
    ADD COLUMN recall        jsonb,
    -- the worker's disk is not the user's: the service stores the adapter itself (training_artifact)
    DROP COLUMN adapter_uri;

CREATE TABLE training_run_job (
    run_id uuid NOT NULL REFERENCES training_run (id) ON DELETE CASCADE,
    job_id uuid NOT NULL REFERENCES job (id),
    PRIMARY KEY (run_id, job_id)
);

INSERT INTO training_run_job (run_id, job_id) SELECT id, job_id FROM training_run WHERE job_id IS NOT NULL;

CREATE INDEX training_run_comparison ON training_run (comparison_id) WHERE comparison_id IS NOT NULL;

-- One answer per run, exam question and phase (before, inContext, after), with its scores.
CREATE TABLE training_result (
    run_id      uuid    NOT NULL REFERENCES training_run (id) ON DELETE CASCADE,
    question_id bigint  NOT NULL REFERENCES exam_question (id),
    phase       text    NOT NULL CHECK (phase IN ('before', 'inContext', 'after')),
    answer      text    NOT NULL,
    exact_match boolean NOT NULL,
    token_f1    real    NOT NULL,
    contained   boolean NOT NULL,
    judge       boolean,
    PRIMARY KEY (run_id, question_id, phase)
);

-- What a worker delivered (kind adapter or merged): a PostgreSQL large object, so it is as durable as the run that
-- produced it, backed up with it, and reachable from every service replica without a shared volume.
CREATE TABLE training_artifact (
    run_id     uuid        NOT NULL REFERENCES training_run (id) ON DELETE CASCADE,
    kind       text        NOT NULL CHECK (kind IN ('adapter', 'merged')),
    content    oid         NOT NULL,
    sha256     text        NOT NULL,
    bytes      bigint      NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, kind)
);
