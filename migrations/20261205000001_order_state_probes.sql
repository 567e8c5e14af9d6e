-- `common/filters` lists the states of visible orders, the values the
-- `state` filter of the metrics compares with, probing one row per state
-- as it does for samples and tests; the columns visibility reads sit
-- beside the state so the index answers each probe alone.
CREATE INDEX IF NOT EXISTS orders_state_idx ON orders (state)
    INCLUDE (id, customer_account_id, deleted_at);
