package io.qaforge.hub;

import java.util.List;
import java.util.UUID;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

/** Reads pushes; {@link HubPusher} writes them. */
interface HubPushRepository extends JpaRepository<HubPush, UUID> {

    /** The dataset repos holding exactly these pairs: pushes of the job, or of the dataset, that succeeded. */
    @Query(value = """
            SELECT DISTINCT repo_id FROM hub_push
            WHERE status = 'SUCCEEDED' AND (job_id = ?1 OR dataset_id = ?2)
            ORDER BY repo_id""", nativeQuery = true)
    List<String> datasetRepos(UUID jobId, UUID datasetId);
}
