-- Remediation rounds: a run made to remediate another (its previous round) trains on that run's jobs plus top-up
-- jobs for the questions it missed, from the same base model and params, on the same exam. Round 1 remediates nothing.
ALTER TABLE training_run
    ADD COLUMN remediates uuid REFERENCES training_run (id),
    ADD COLUMN round      integer NOT NULL DEFAULT 1 CHECK (round >= 1);

CREATE INDEX training_run_remediates ON training_run (remediates) WHERE remediates IS NOT NULL;
