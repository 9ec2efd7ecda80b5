-- Question/answer pairs a user wrote and uploaded as (part of) a dataset: exported beside its jobs' generated pairs.
CREATE TABLE dataset_pair (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dataset_id uuid   NOT NULL REFERENCES dataset (id) ON DELETE CASCADE,
    ordinal    int    NOT NULL,
    question   text   NOT NULL,
    answer     text   NOT NULL,
    fact_id    bigint,
    direction  text CHECK (direction IN ('forward', 'reverse')),
    split      text   NOT NULL CHECK (split IN ('train', 'test')),
    UNIQUE (dataset_id, ordinal)
);
