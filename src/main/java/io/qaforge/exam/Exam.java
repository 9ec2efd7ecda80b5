package io.qaforge.exam;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.persistence.Entity;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import io.qaforge.system.AssignedIdEntity;

/** An exam's name and origin; its questions are rows of their own ({@link ExamStore}). */
@Entity
class Exam extends AssignedIdEntity {

    private String name;
    private String source;
    @JdbcTypeCode(SqlTypes.ARRAY)
    private UUID[] jobIds;
    private int questionCount;
    private Instant createdAt;

    protected Exam() {
    }

    Exam(UUID id, String name, String source, List<UUID> jobIds, int questionCount) {
        super(id);
        this.name = name;
        this.source = source;
        this.jobIds = jobIds.toArray(UUID[]::new);
        this.questionCount = questionCount;
        this.createdAt = Instant.now();
    }

    String getName() {
        return name;
    }

    String getSource() {
        return source;
    }

    List<UUID> getJobIds() {
        return List.of(jobIds);
    }

    int getQuestionCount() {
        return questionCount;
    }

    Instant getCreatedAt() {
        return createdAt;
    }
}
