-- Exams: the questions a training run is scored on, before, in context and after. An exam is immutable once made
-- (runs compared across rounds must have answered the same questions), so each question keeps the text the
-- in-context phase puts in the prompt, frozen when the exam was made.
CREATE TABLE exam (
    id             uuid PRIMARY KEY,
    name           text        NOT NULL,
    -- json, csv or jsonl (uploaded), or test-split (made from jobs' held-out pairs)
    source         text        NOT NULL,
    -- test-split exams: the jobs whose held-out pairs it holds, sorted (a run's default exam is found by them)
    job_ids        uuid[]      NOT NULL DEFAULT '{}',
    question_count integer     NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX exam_job_ids ON exam USING gin (job_ids);

-- chunk_id and pair_id are provenance, not foreign keys: deleting a document must not be blocked by an exam that
-- already copied what it needed (the context).
CREATE TABLE exam_question (
    id        bigserial PRIMARY KEY,
    exam_id   uuid    NOT NULL REFERENCES exam (id) ON DELETE CASCADE,
    ordinal   integer NOT NULL,
    question  text    NOT NULL,
    answer    text    NOT NULL,
    fact_id   bigint,
    direction text CHECK (direction IN ('forward', 'reverse')),
    chunk_id  bigint,
    pair_id   bigint,
    context   text,
    UNIQUE (exam_id, ordinal)
);
