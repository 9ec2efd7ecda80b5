package io.qaforge.document.text;

import java.util.UUID;

import org.springframework.data.jpa.repository.JpaRepository;

public interface DocumentTextRepository extends JpaRepository<DocumentText, UUID> {
}
