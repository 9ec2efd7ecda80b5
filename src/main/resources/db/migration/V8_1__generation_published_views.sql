-- accepted_pair carries the facts each pair tests and its direction, and leaves out pairs still awaiting their judge.
-- The new columns go last: a view can only grow there. The WHERE clause matches the partial index qa_pair_export.
CREATE OR REPLACE VIEW accepted_pair AS
SELECT p.id, p.job_id, p.chunk_id, p.split, p.question, p.answer, p.temperature, p.variant, l.page_from, l.page_to,
       p.fact_ids, p.direction
FROM qa_pair p
LEFT JOIN chunk_location l ON l.chunk_id = p.chunk_id
WHERE p.rejected_reason IS NULL AND p.judge_verdict IS DISTINCT FROM 'pending';
