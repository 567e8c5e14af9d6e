-- Zone-less wall times become instants. The earlier tool stored QBench's wall
-- clock in `timestamp` columns; they are read in the QBench time zone, which
-- the migrator sets in `qbench_mirror.timezone` for this session (UTC when
-- unset). On a fresh database the tables are empty and this only changes types.

DO $$
DECLARE
    zone text := coalesce(nullif(current_setting('qbench_mirror.timezone', true), ''), 'UTC');
    col record;
BEGIN
    FOR col IN
        SELECT table_name, column_name
        FROM information_schema.columns
        WHERE table_schema = current_schema()
          AND data_type = 'timestamp without time zone'
          AND table_name IN ('customers', 'orders', 'samples', 'tests', 'batches',
                             'sync_checkpoints', 'metrc_sample_statuses')
    LOOP
        EXECUTE format(
            'ALTER TABLE %I ALTER COLUMN %I TYPE timestamptz USING %I AT TIME ZONE %L',
            col.table_name, col.column_name, col.column_name, zone);
    END LOOP;
END
$$;
