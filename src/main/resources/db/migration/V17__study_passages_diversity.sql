-- Study passages: grounded text about one chunk, one strategy per call (concepts, implications, teacher, case,
-- discussion, outline, relations), trained as continued pretraining beside the pairs. Each passes the passage gate, then
-- the judge's faithfulness grading; a reject keeps its reason, as a pair's does.
CREATE TABLE study_passage (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id          uuid          NOT NULL REFERENCES job (id) ON DELETE CASCADE,
    task_id         bigint        NOT NULL REFERENCES task (id) ON DELETE CASCADE,
    chunk_id        bigint        NOT NULL REFERENCES chunk (id),
    strategy        text          NOT NULL,
    text            text          NOT NULL,
    temperature     numeric(5, 3) NOT NULL,
    model           text          NOT NULL,
    rejected_reason text,
    -- 'pending' until the judge grades it, then 'pass', 'fail' or 'none' (the judge's answer left it out); null: no judge
    judge_verdict   text,
    -- the share of the passage's claims the chunk supports, as the judge counted them
    faithfulness    numeric(4, 3),
    -- the fact ids a remediation round centred the passage on (focal passages); null otherwise
    focus_fact_ids  bigint[],
    created_at      timestamptz   NOT NULL DEFAULT now(),
    UNIQUE (task_id)
);
CREATE INDEX study_passage_job ON study_passage (job_id, chunk_id, id);

-- A study call's judge grades one study call, as a pair judge grades one pair call.
DROP INDEX task_call;
CREATE UNIQUE INDEX task_call ON task (job_id, chunk_id, temperature, variant) WHERE kind NOT IN ('judge', 'study-judge');
DROP INDEX task_judge;
CREATE UNIQUE INDEX task_judge ON task (graded_task_id) WHERE kind IN ('judge', 'study-judge');

-- How varied a finished job's accepted text is (distinct n-grams and the compression ratio), measured when it ends.
ALTER TABLE job ADD COLUMN diversity jsonb;

-- What export and hub read of passages: the accepted ones, with their chunk's place in its document.
CREATE VIEW accepted_passage AS
SELECT s.id, s.job_id, s.chunk_id, s.strategy, s.text, l.page_from, l.page_to
FROM study_passage s
LEFT JOIN chunk_location l ON l.chunk_id = s.chunk_id
WHERE s.rejected_reason IS NULL AND s.judge_verdict IS DISTINCT FROM 'pending';
