/**
 * Documents: upload, text extraction and cleaning, chunks. Other features read them through
 * {@link io.qaforge.document.DocumentRepository} and {@link io.qaforge.document.ChunkRepository} (with the entities they
 * return, {@link io.qaforge.document.Document} and {@link io.qaforge.document.Chunk}) and, in SQL, the
 * {@code chunk_location} view (the tables each feature owns are listed in {@code TableOwnershipTest}); they count
 * tokens with {@link io.qaforge.document.TokenCounter}, and the console offers uploads with
 * {@link io.qaforge.document.DocumentSettings}. The base package also holds the feature's configuration
 * ({@code DocumentProperties}) and a document's {@code OcrMode}; the rest lives in module-internal rooms:
 * {@code upload} (the API and what is judged before anything is stored), {@code extraction} (original bytes to raw
 * text, in the background) and {@code text} (cleaning, chunking, storing the text and its chunks).
 */
@ApplicationModule(allowedDependencies = "system")
package io.qaforge.document;

import org.springframework.modulith.ApplicationModule;
