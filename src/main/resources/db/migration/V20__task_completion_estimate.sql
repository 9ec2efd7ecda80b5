-- A task's estimate with its completion apart, so that a job's projection corrects prompt and completion tokens at
-- their own observed rates. Tasks queued before this have 0 here: the projection leaves them at their estimate.
ALTER TABLE task
    ADD COLUMN est_completion_tokens   integer        NOT NULL DEFAULT 0,
    ADD COLUMN est_completion_cost_usd numeric(14, 6) NOT NULL DEFAULT 0;
