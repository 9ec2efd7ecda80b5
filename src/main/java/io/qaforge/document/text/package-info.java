/**
 * What becomes of extracted text: cleaning (running headers and footers, page numbers, words hyphenated across lines,
 * whitespace), cutting it into chunks of about 500 tokens that know their pages, and storing the full text and the
 * chunks.
 */
package io.qaforge.document.text;
