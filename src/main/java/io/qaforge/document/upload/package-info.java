/**
 * Taking a document in: the API ({@code /api/documents}, its views and event stream), the ingestion that refuses what
 * can be judged at once (file kind told by the bytes, ZIP containers inspected, file names cleaned) before the
 * document and its kept original are stored, and re-extraction.
 */
package io.qaforge.document.upload;
