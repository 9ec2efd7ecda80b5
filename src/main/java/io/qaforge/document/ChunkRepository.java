package io.qaforge.document;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.springframework.data.domain.Page;
import org.springframework.data.domain.Pageable;
import org.springframework.data.repository.Repository;

import io.qaforge.document.text.ChunkWriter;

/** Chunks, read only: {@link ChunkWriter} inserts them with SQL, so nothing here can write the table. */
public interface ChunkRepository extends Repository<Chunk, Long> {

    Optional<Chunk> findById(Long id);

    List<Chunk> findAllById(Iterable<Long> ids);

    Page<Chunk> findByDocumentIdOrderByOrdinal(UUID documentId, Pageable pageable);

    /** A chunk's id and size, without its text: what planning a job needs of every chunk of its documents. */
    interface Size {
        Long getId();

        int getTokens();
    }

    List<Size> findSizesByDocumentIdOrderByOrdinal(UUID documentId);

    List<Size> findSizesByIdIn(Collection<Long> ids);
}
