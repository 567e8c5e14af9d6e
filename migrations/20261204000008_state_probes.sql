-- `common/filters` checks each distinct state for one visible row. With
-- only the state in the index, the planner would rather walk a covering
-- index of the test dates (which holds the state too) until it meets the
-- state, which for a rare state reads most of the index: seconds on a
-- large lab. With the columns visibility reads beside the state, the probe
-- is answered from the state index alone.
DROP INDEX IF EXISTS tests_state_idx;
CREATE INDEX tests_state_idx ON tests (state)
    INCLUDE (id, sample_id, order_id, customer_account_id, deleted_at);

DROP INDEX IF EXISTS samples_state_idx;
CREATE INDEX samples_state_idx ON samples (state)
    INCLUDE (id, order_id, customer_account_id, deleted_at);
