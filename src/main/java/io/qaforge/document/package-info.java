/**
 * Documents: upload, text extraction and cleaning, chunks. Other features read them through
 * {@link io.qaforge.document.DocumentRepository}, {@link io.qaforge.document.ChunkRepository} and, in SQL, the
 * {@code chunk_location} view (the tables each feature owns are listed in {@code TableOwnershipTest}).
 */
@ApplicationModule(allowedDependencies = "system")
package io.qaforge.document;

import org.springframework.modulith.ApplicationModule;
