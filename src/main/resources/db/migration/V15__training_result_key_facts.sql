-- Whether an answer holds the reference's key facts (its numbers, names, distinguishing words): the worker's default
-- "correct" and the recovery ratio's metric. Null for answers stored before workers reported it.
ALTER TABLE training_result ADD COLUMN key_facts boolean;
