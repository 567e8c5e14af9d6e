-- Visibility without walking the chain of parents.
--
-- Until now a visible test was found by joining its sample, order and
-- customer (each through the view above it) to learn whether any of them
-- was deleted or banned. On a lab of a few hundred thousand tests that join
-- costs more than everything else a metric does. Here every sample and test
-- carries the ids of its ancestors, kept by triggers whatever writes the
-- rows, and the views compare those ids with the few records that hide
-- others: the banned ones and the deleted ones.

ALTER TABLE samples ADD COLUMN IF NOT EXISTS customer_account_id integer;
ALTER TABLE tests
    ADD COLUMN IF NOT EXISTS order_id integer,
    ADD COLUMN IF NOT EXISTS customer_account_id integer;

UPDATE samples s
SET customer_account_id = o.customer_account_id
FROM orders o
WHERE o.id = s.order_id
  AND s.customer_account_id IS DISTINCT FROM o.customer_account_id;

UPDATE tests t
SET order_id = s.order_id, customer_account_id = s.customer_account_id
FROM samples s
WHERE s.id = t.sample_id
  AND (t.order_id, t.customer_account_id)
      IS DISTINCT FROM (s.order_id, s.customer_account_id);

-- A row takes its ancestors from its parent as it is written. A parent may
-- be written after its children in the same transaction (the foreign keys
-- are deferred), and a sample may move to another order: then the parent
-- passes its ancestors down when it is written.

CREATE FUNCTION mirror_sample_ancestors() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.customer_account_id :=
        (SELECT o.customer_account_id FROM orders o WHERE o.id = NEW.order_id);
    RETURN NEW;
END $$;

CREATE FUNCTION mirror_test_ancestors() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    SELECT s.order_id, s.customer_account_id
    INTO NEW.order_id, NEW.customer_account_id
    FROM samples s WHERE s.id = NEW.sample_id;
    RETURN NEW;
END $$;

CREATE FUNCTION mirror_sample_descendants() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tests t
    SET order_id = NEW.order_id, customer_account_id = NEW.customer_account_id
    WHERE t.sample_id = NEW.id
      AND (t.order_id, t.customer_account_id)
          IS DISTINCT FROM (NEW.order_id, NEW.customer_account_id);
    RETURN NULL;
END $$;

CREATE FUNCTION mirror_order_descendants() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE samples s
    SET customer_account_id = NEW.customer_account_id
    WHERE s.order_id = NEW.id
      AND s.customer_account_id IS DISTINCT FROM NEW.customer_account_id;
    RETURN NULL;
END $$;

CREATE TRIGGER samples_ancestors
    BEFORE INSERT OR UPDATE OF order_id ON samples
    FOR EACH ROW EXECUTE FUNCTION mirror_sample_ancestors();

CREATE TRIGGER tests_ancestors
    BEFORE INSERT OR UPDATE OF sample_id ON tests
    FOR EACH ROW EXECUTE FUNCTION mirror_test_ancestors();

-- Fires on the samples the order trigger updates too, which carries a new
-- customer on to the tests.
CREATE TRIGGER samples_descendants
    AFTER INSERT OR UPDATE OF order_id, customer_account_id ON samples
    FOR EACH ROW EXECUTE FUNCTION mirror_sample_descendants();

CREATE TRIGGER orders_descendants
    AFTER INSERT OR UPDATE OF customer_account_id ON orders
    FOR EACH ROW EXECUTE FUNCTION mirror_order_descendants();

CREATE INDEX IF NOT EXISTS tests_order_id_idx ON tests (order_id);

-- The deleted records, few beside the rest, found without a scan.
CREATE INDEX IF NOT EXISTS customers_deleted_idx ON customers (id) WHERE deleted_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS orders_deleted_idx ON orders (id) WHERE deleted_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS samples_deleted_idx ON samples (id) WHERE deleted_at IS NOT NULL;

-- The columns of each view stay what they were, in the same order; the new
-- columns of the tables come after them. A record is hidden by a ban on it
-- or on an ancestor, or by the deletion of an ancestor. Both are few, so
-- each check is written as `NOT IN` a small set, which PostgreSQL hashes
-- once per query and probes per row; as joins they cost many times more.
-- The ids are never null (a row whose ancestors are unknown is hidden, as
-- it was when the views joined them), so `NOT IN` means what it says.

CREATE OR REPLACE VIEW visible_orders AS
SELECT o.*
FROM orders o
WHERE o.deleted_at IS NULL
  AND o.id NOT IN (
      SELECT b.entity_id FROM banned_entities b WHERE b.entity_type = 'order')
  AND o.customer_account_id NOT IN (
      SELECT b.entity_id FROM banned_entities b WHERE b.entity_type = 'customer'
      UNION ALL
      SELECT c.id FROM customers c WHERE c.deleted_at IS NOT NULL);

CREATE OR REPLACE VIEW visible_samples AS
SELECT s.*
FROM samples s
WHERE s.deleted_at IS NULL
  AND s.customer_account_id IS NOT NULL
  AND s.id NOT IN (
      SELECT b.entity_id FROM banned_entities b WHERE b.entity_type = 'sample')
  AND s.order_id NOT IN (
      SELECT b.entity_id FROM banned_entities b WHERE b.entity_type = 'order'
      UNION ALL
      SELECT o.id FROM orders o WHERE o.deleted_at IS NOT NULL)
  AND s.customer_account_id NOT IN (
      SELECT b.entity_id FROM banned_entities b WHERE b.entity_type = 'customer'
      UNION ALL
      SELECT c.id FROM customers c WHERE c.deleted_at IS NOT NULL);

CREATE OR REPLACE VIEW visible_tests AS
SELECT t.*
FROM tests t
WHERE t.deleted_at IS NULL
  AND t.order_id IS NOT NULL
  AND t.customer_account_id IS NOT NULL
  AND t.id NOT IN (
      SELECT b.entity_id FROM banned_entities b WHERE b.entity_type = 'test')
  AND t.sample_id NOT IN (
      SELECT b.entity_id FROM banned_entities b WHERE b.entity_type = 'sample'
      UNION ALL
      SELECT s.id FROM samples s WHERE s.deleted_at IS NOT NULL)
  AND t.order_id NOT IN (
      SELECT b.entity_id FROM banned_entities b WHERE b.entity_type = 'order'
      UNION ALL
      SELECT o.id FROM orders o WHERE o.deleted_at IS NOT NULL)
  AND t.customer_account_id NOT IN (
      SELECT b.entity_id FROM banned_entities b WHERE b.entity_type = 'customer'
      UNION ALL
      SELECT c.id FROM customers c WHERE c.deleted_at IS NOT NULL);

-- The distinct states of `common/filters` are read by skipping through
-- these indexes rather than by scanning every row.
CREATE INDEX IF NOT EXISTS samples_state_idx ON samples (state);
CREATE INDEX IF NOT EXISTS tests_state_idx ON tests (state);

-- The metrics select tests by creation or report date and read a few
-- columns of each: with those columns in the index, a range is read from
-- the index alone (once vacuum has marked the pages all-visible) rather
-- than from rows that are mostly raw payload. They replace the plain
-- indexes on the same dates.
CREATE INDEX IF NOT EXISTS tests_created_cover_idx ON tests (date_created)
    INCLUDE (id, report_completed_date, sample_id, order_id, customer_account_id,
             label_abbr, state, complete_date, deleted_at);
CREATE INDEX IF NOT EXISTS tests_reported_cover_idx ON tests (report_completed_date)
    INCLUDE (id, date_created, sample_id, order_id, customer_account_id, label_abbr,
             deleted_at);
DROP INDEX IF EXISTS tests_date_created_idx;
DROP INDEX IF EXISTS tests_report_completed_date_idx;

-- `samples/overview` counts samples completed per day.
CREATE INDEX IF NOT EXISTS samples_completed_date_idx ON samples (completed_date);

-- The latest write of a visible record, read backwards from the newest.
CREATE INDEX IF NOT EXISTS customers_fetched_at_idx ON customers (fetched_at);
CREATE INDEX IF NOT EXISTS orders_fetched_at_idx ON orders (fetched_at);
CREATE INDEX IF NOT EXISTS samples_fetched_at_idx ON samples (fetched_at);
CREATE INDEX IF NOT EXISTS tests_fetched_at_idx ON tests (fetched_at);
CREATE INDEX IF NOT EXISTS batches_fetched_at_idx ON batches (fetched_at);
