-- A push may also carry a training run's adapter (or merged model) to a model repo; format then says which.
ALTER TABLE hub_push
    ADD COLUMN training_id uuid REFERENCES training_run (id) ON DELETE CASCADE,
    DROP CONSTRAINT hub_push_check,
    ADD CONSTRAINT hub_push_one_source CHECK (num_nonnulls(job_id, dataset_id, training_id) = 1);

-- The model card names the dataset repos a run's jobs were pushed to.
CREATE INDEX hub_push_job ON hub_push (job_id) WHERE status = 'SUCCEEDED';
