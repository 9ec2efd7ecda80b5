package io.qaforge.training;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.springframework.data.jpa.repository.JpaRepository;

interface TrainingRunRepository extends JpaRepository<TrainingRun, UUID> {

    List<TrainingRun> findByComparisonIdOrderByCreatedAt(UUID comparisonId);

    Optional<TrainingRun> findFirstByRemediatesAndStatusNotInOrderByCreatedAt(UUID remediates, Collection<TrainingRun.Status> statuses);
}
