-- What every read sees: records neither deleted in QBench nor banned, nor
-- under a banned or deleted parent. A banned customer hides its orders, a
-- banned order its samples, a banned sample its tests. Every read of the API
-- goes through these views, so a ban applies at once, on every instance, in
-- lists, details, counts and metrics alike.
--
-- `*` is expanded when a view is created; a migration that adds columns to a
-- table recreates the view that should show them.

CREATE VIEW visible_customers AS
SELECT c.*
FROM customers c
WHERE c.deleted_at IS NULL
  AND NOT EXISTS (
      SELECT 1 FROM banned_entities b
      WHERE b.entity_type = 'customer' AND b.entity_id = c.id);

CREATE VIEW visible_orders AS
SELECT o.*
FROM orders o
JOIN visible_customers c ON c.id = o.customer_account_id
WHERE o.deleted_at IS NULL
  AND NOT EXISTS (
      SELECT 1 FROM banned_entities b
      WHERE b.entity_type = 'order' AND b.entity_id = o.id);

CREATE VIEW visible_samples AS
SELECT s.*
FROM samples s
JOIN visible_orders o ON o.id = s.order_id
WHERE s.deleted_at IS NULL
  AND NOT EXISTS (
      SELECT 1 FROM banned_entities b
      WHERE b.entity_type = 'sample' AND b.entity_id = s.id);

CREATE VIEW visible_tests AS
SELECT t.*
FROM tests t
JOIN visible_samples s ON s.id = t.sample_id
WHERE t.deleted_at IS NULL
  AND NOT EXISTS (
      SELECT 1 FROM banned_entities b
      WHERE b.entity_type = 'test' AND b.entity_id = t.id);

CREATE VIEW visible_batches AS
SELECT b.*
FROM batches b
WHERE b.deleted_at IS NULL
  AND NOT EXISTS (
      SELECT 1 FROM banned_entities x
      WHERE x.entity_type = 'batch' AND x.entity_id = b.id);
