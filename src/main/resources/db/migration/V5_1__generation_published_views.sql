-- What other features may read of the generation feature's tables in SQL (the rest goes through generation.Jobs).
-- Views, so the tables can change behind them.

-- The pairs that passed every filter, with the pages of their chunk: what exports stream (binary COPY) and count.
-- A LEFT JOIN, so that PostgreSQL leaves the chunk out of queries that read none of its columns (counts); every pair
-- has its chunk, so no row differs from an inner join. The WHERE clause matches the partial index qa_pair_export.
CREATE VIEW accepted_pair AS
SELECT p.id, p.job_id, p.chunk_id, p.split, p.question, p.answer, p.temperature, p.variant, l.page_from, l.page_to
FROM qa_pair p
LEFT JOIN chunk_location l ON l.chunk_id = p.chunk_id
WHERE p.rejected_reason IS NULL;

-- Each job's status, for features that wait on jobs inside their own statements (a training run waits for its job).
CREATE VIEW job_state AS
SELECT id AS job_id, status
FROM job;
