-- Where a question's in-context text came from: the uploader's passage, the whole document, a generated question's
-- source chunk, or passages retrieved by BM25. Existing rows are told apart by what they hold.
ALTER TABLE exam_question ADD COLUMN context_source text
    CHECK (context_source IN ('uploaded', 'document', 'chunk', 'retrieved'));

UPDATE exam_question q SET context_source = CASE
        WHEN q.pair_id IS NULL THEN 'uploaded'
        WHEN q.context = (SELECT c.text FROM chunk c WHERE c.id = q.chunk_id) THEN 'chunk'
        ELSE 'document' END
WHERE q.context IS NOT NULL;

ALTER TABLE exam_question ADD CONSTRAINT exam_question_context_has_source CHECK ((context IS NULL) = (context_source IS NULL));
