-- One request and token budget per provider for all replicas: a provider's limits belong to its API key, not to a
-- replica. The state is a theoretical arrival time per bucket (GCRA): every call moves it on by its share of the
-- minute, and a call may go once it is within the burst allowance of now. No replica holds anything between calls,
-- so one that dies leaves nothing to give back.
CREATE TABLE provider_budget (
    provider     text        PRIMARY KEY,
    requests_at  timestamptz NOT NULL DEFAULT now(),
    tokens_at    timestamptz NOT NULL DEFAULT now(),
    -- A provider's own "stop until" (Retry-After on a 429, rate-limit headers at zero) holds for every replica.
    paused_until timestamptz NOT NULL DEFAULT '-infinity'
);

-- Input tokens the provider served from its prompt cache (billed at the cached rate), and the job's cost by what was paid for.
ALTER TABLE task ADD COLUMN cached_prompt_tokens integer NOT NULL DEFAULT 0;
ALTER TABLE job ADD COLUMN cached_prompt_tokens bigint NOT NULL DEFAULT 0,
    ADD COLUMN input_cost_usd numeric(14, 6) NOT NULL DEFAULT 0,
    ADD COLUMN cached_input_cost_usd numeric(14, 6) NOT NULL DEFAULT 0,
    ADD COLUMN output_cost_usd numeric(14, 6) NOT NULL DEFAULT 0,
    ADD COLUMN batch_discount_usd numeric(14, 6) NOT NULL DEFAULT 0;
