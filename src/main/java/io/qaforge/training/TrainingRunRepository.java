package io.qaforge.training;

import java.util.UUID;

import org.springframework.data.jpa.repository.JpaRepository;

interface TrainingRunRepository extends JpaRepository<TrainingRun, UUID> {
}
