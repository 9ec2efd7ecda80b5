package io.qaforge.hub;

import java.util.List;
import java.util.UUID;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.transaction.annotation.Transactional;

interface HubPushRepository extends JpaRepository<HubPush, UUID> {

    @Transactional
    @Modifying
    @Query(value = "UPDATE hub_push SET status = 'RUNNING', heartbeat_at = now() WHERE id = ?1", nativeQuery = true)
    void markRunning(UUID id);

    @Transactional
    @Modifying
    @Query(value = "UPDATE hub_push SET status = 'SUCCEEDED', commit_url = ?2, finished_at = now() WHERE id = ?1", nativeQuery = true)
    void markSucceeded(UUID id, String commitUrl);

    @Transactional
    @Modifying
    @Query(value = "UPDATE hub_push SET status = 'FAILED', error = ?2, finished_at = now() WHERE id = ?1", nativeQuery = true)
    void markFailed(UUID id, String error);

    /** The dataset repos holding exactly these pairs: pushes of the job, or of the dataset, that succeeded. */
    @Query(value = """
            SELECT DISTINCT repo_id FROM hub_push
            WHERE status = 'SUCCEEDED' AND (job_id = ?1 OR dataset_id = ?2)
            ORDER BY repo_id""", nativeQuery = true)
    List<String> datasetRepos(UUID jobId, UUID datasetId);
}
