package io.qaforge.exam;

import java.util.UUID;

import org.springframework.data.jpa.repository.JpaRepository;

interface ExamRepository extends JpaRepository<Exam, UUID> {
}
