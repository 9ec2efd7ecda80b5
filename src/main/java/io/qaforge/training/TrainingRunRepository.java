package io.qaforge.training;

import java.util.List;
import java.util.UUID;

import org.springframework.data.jpa.repository.JpaRepository;

interface TrainingRunRepository extends JpaRepository<TrainingRun, UUID> {

    List<TrainingRun> findByComparisonIdOrderByCreatedAt(UUID comparisonId);
}
