-- Runs that want a GPU worker: those training now, and queued ones a worker could claim now (as TrainingQueue.claim
-- does: every job of the run has ended with a dataset). A queued run whose jobs still generate wakes no GPU.
SELECT count(*)
FROM training_run r
WHERE r.status = 'RUNNING'
   OR (r.status = 'QUEUED'
       AND NOT EXISTS (SELECT 1 FROM training_run_job rj LEFT JOIN job_state s ON s.job_id = rj.job_id
                       WHERE rj.run_id = r.id
                         AND (s.status IS NULL OR s.status NOT IN ('SUCCEEDED', 'COMPLETED_WITH_ERRORS', 'BUDGET_EXHAUSTED'))))
