package io.qaforge.document;

import java.util.UUID;

import org.springframework.data.jpa.repository.JpaRepository;

interface DocumentTextRepository extends JpaRepository<DocumentText, UUID> {
}
