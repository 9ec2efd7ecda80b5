package io.qaforge.document;

import java.util.Collection;
import java.util.List;
import java.util.UUID;

import org.springframework.data.domain.Page;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;

public interface ChunkRepository extends JpaRepository<Chunk, Long> {

    Page<Chunk> findByDocumentIdOrderByOrdinal(UUID documentId, Pageable pageable);

    /** A chunk's id and size, without its text: what planning a job needs of every chunk of its documents. */
    interface Size {
        Long getId();

        int getTokens();
    }

    List<Size> findSizesByDocumentIdOrderByOrdinal(UUID documentId);

    List<Size> findSizesByIdIn(Collection<Long> ids);
}
