-- The exam a run answers closed book before and after training to measure forgetting (null: evaluate-only runs), and
-- its answers, stored like the exam's under two phases of their own.
ALTER TABLE training_run ADD COLUMN retention_exam_id uuid REFERENCES exam (id);

ALTER TABLE training_result DROP CONSTRAINT training_result_phase_check,
    ADD CONSTRAINT training_result_phase_check
        CHECK (phase IN ('before', 'inContext', 'after', 'retentionBefore', 'retentionAfter'));
