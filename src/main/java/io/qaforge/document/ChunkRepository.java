package io.qaforge.document;

import java.util.List;
import java.util.UUID;

import org.springframework.data.domain.Page;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;

public interface ChunkRepository extends JpaRepository<Chunk, Long> {

    Page<Chunk> findByDocumentIdOrderByOrdinal(UUID documentId, Pageable pageable);

    List<Chunk> findByDocumentIdOrderByOrdinal(UUID documentId);
}
