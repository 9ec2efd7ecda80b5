-- The generation work the service replicas share: tasks waiting or being called, of jobs that may still run. Tasks in a
-- provider batch (batch_id set) wait on the provider for hours and need no replica, so they do not count.
SELECT count(*)
FROM task t
JOIN job j ON j.id = t.job_id
WHERE t.status IN ('PENDING', 'RUNNING')
  AND t.batch_id IS NULL
  AND j.status IN ('QUEUED', 'RUNNING')
