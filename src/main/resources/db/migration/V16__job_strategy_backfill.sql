-- Jobs stored before fact jobs (V8) have no strategy: they asked per chunk × temperature × variant, as recipe jobs do.
-- Say so, so that a stored job's strategy is never null (a request without one still means a fact job).
UPDATE job SET params = jsonb_set(params, '{strategy}', '"RECIPE"') WHERE params ->> 'strategy' IS NULL;
