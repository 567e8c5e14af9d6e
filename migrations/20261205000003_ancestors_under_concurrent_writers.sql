-- A row reads its ancestors from its parent with a share lock on the
-- parent's row. Without it, two loaders raced: one moving a sample to
-- another order while the other inserted a test of that sample, each
-- unable to see the other's uncommitted row, left the test with the old
-- order for good. With the lock, the child waits for a parent being
-- rewritten and reads it as committed; a parent rewritten while a child
-- holds the lock waits for the child, then passes its ids down to it.
-- Share locks do not block each other, so loaders writing children of one
-- parent still run side by side.

CREATE OR REPLACE FUNCTION mirror_sample_ancestors() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.customer_account_id :=
        (SELECT o.customer_account_id FROM orders o WHERE o.id = NEW.order_id FOR SHARE);
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION mirror_test_ancestors() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    SELECT s.order_id, s.customer_account_id
    INTO NEW.order_id, NEW.customer_account_id
    FROM samples s WHERE s.id = NEW.sample_id
    FOR SHARE;
    RETURN NEW;
END $$;
