-- Fact jobs: a facts step per chunk, pairs per fact and direction, an LLM judge, coverage top-up rounds.

-- A task is one provider call of a kind: 'facts' (list a chunk's facts), 'pairs' (write pairs) or 'judge' (grade the
-- pairs of one 'pairs' task). Top-up rounds are 'pairs' tasks of round 1, 2, 3. A judge may run on another provider
-- than its job's (provider set); every other task runs on the job's (provider null).
ALTER TABLE task ADD COLUMN kind text NOT NULL DEFAULT 'pairs';
ALTER TABLE task ADD COLUMN round integer NOT NULL DEFAULT 0;
ALTER TABLE task ADD COLUMN provider text;
ALTER TABLE task ADD COLUMN graded_task_id bigint REFERENCES task (id) ON DELETE CASCADE;
-- One call per chunk × temperature × variant, as before; a judge task per graded task instead.
ALTER TABLE task DROP CONSTRAINT task_job_id_chunk_id_temperature_variant_key;
CREATE UNIQUE INDEX task_call ON task (job_id, chunk_id, temperature, variant) WHERE kind <> 'judge';
CREATE UNIQUE INDEX task_judge ON task (graded_task_id) WHERE kind = 'judge';
-- Whether a chunk's round has work left: asked after every call of a fact job.
CREATE INDEX task_job_chunk ON task (job_id, chunk_id);

-- A remediation job tops up another job's facts or chunks.
ALTER TABLE job ADD COLUMN parent_job_id uuid REFERENCES job (id);

-- Starts at one block, so that ids handed out in blocks of 50 (generation.Ids) start at 1.
CREATE SEQUENCE fact_seq START WITH 50 INCREMENT BY 50;

-- The atomic facts a job's facts step listed for a chunk.
CREATE TABLE fact (
    id       bigint PRIMARY KEY,
    job_id   uuid    NOT NULL REFERENCES job (id) ON DELETE CASCADE,
    chunk_id bigint  NOT NULL REFERENCES chunk (id),
    ordinal  integer NOT NULL,
    text     text    NOT NULL,
    UNIQUE (job_id, chunk_id, ordinal)
);

-- The facts each job teaches: its own, or (a remediation job) the ones of its parent that it tops up.
CREATE TABLE job_fact (
    job_id   uuid   NOT NULL REFERENCES job (id) ON DELETE CASCADE,
    chunk_id bigint NOT NULL,
    fact_id  bigint NOT NULL REFERENCES fact (id) ON DELETE CASCADE,
    PRIMARY KEY (job_id, chunk_id, fact_id)
);

-- The facts a pair tests and its direction ('forward', 'reverse'); null in recipe jobs. The judge's verdict ('pending'
-- until its call is done, 'pass', 'fail'; null where no judge runs) and its answers.
ALTER TABLE qa_pair ADD COLUMN fact_ids bigint[];
ALTER TABLE qa_pair ADD COLUMN direction text;
ALTER TABLE qa_pair ADD COLUMN judge_verdict text;
ALTER TABLE qa_pair ADD COLUMN judge_scores jsonb;
-- A chunk's pairs: near-duplicate checks, coverage, the split by fact and a fact's pairs read them.
CREATE INDEX qa_pair_chunk ON qa_pair (job_id, chunk_id);
-- Pairs awaiting their judge are not accepted yet: the export index leaves them out, as accepted_pair does.
DROP INDEX qa_pair_export;
CREATE INDEX qa_pair_export ON qa_pair (job_id, split, chunk_id, id)
    WHERE rejected_reason IS NULL AND judge_verdict IS DISTINCT FROM 'pending';
