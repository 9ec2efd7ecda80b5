package io.qaforge.document;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.springframework.data.jpa.repository.JpaRepository;

public interface DocumentRepository extends JpaRepository<Document, UUID> {

    Optional<Document> findBySha256(String sha256);

    List<Document> findByIdInOrderByNameAscSha256Asc(Collection<UUID> ids);
}
