/**
 * The file formats: JSONL and CSV encoders and their writer, Parquet's writer with its schema support and Snappy codec,
 * and the chat-messages row shape they share.
 */
package io.qaforge.export.format;
