/**
 * Reading a document's text, in the background under a lease: PDF pages through PDFBox with Tesseract OCR where a page
 * needs it, Word, OpenDocument, HTML and EPUB through Tika in a child JVM, and why a file cannot be read, in the
 * user's words.
 */
package io.qaforge.document.extraction;
