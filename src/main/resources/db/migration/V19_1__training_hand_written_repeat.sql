-- How many times per epoch a run trains on its dataset's hand-written train rows, so a small careful set is not
-- drowned by thousands of generated rows.
ALTER TABLE training_run ADD COLUMN hand_written_repeat int NOT NULL DEFAULT 1 CHECK (hand_written_repeat BETWEEN 1 AND 1000);
