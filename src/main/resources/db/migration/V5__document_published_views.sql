-- What other features may read of the document feature's tables in SQL. A view, so the tables can change behind it.
-- Where each chunk lies in its document: the provenance that generated pairs and exports carry.
CREATE VIEW chunk_location AS
SELECT id AS chunk_id, document_id, ordinal, page_from, page_to
FROM chunk;
