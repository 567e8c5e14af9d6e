-- Window syncs and their reports.
--
-- A window run re-reads the records created since `window_start`; the report
-- of the run needs that start and what the run's records did to the tables:
-- rows inserted, and rows whose QBench version changed (a rewrite of an
-- equal version is neither).
ALTER TABLE sync_runs ADD COLUMN IF NOT EXISTS window_start timestamptz;
ALTER TABLE sync_runs ADD COLUMN IF NOT EXISTS window_days integer;

ALTER TABLE sync_run_pages ADD COLUMN IF NOT EXISTS inserted integer NOT NULL DEFAULT 0;
ALTER TABLE sync_run_pages ADD COLUMN IF NOT EXISTS revised integer NOT NULL DEFAULT 0;

-- A message JetStream gave up on (its consumer's delivery limit reached, or
-- terminated) is set aside too, so nothing leaves the pipeline unrecorded.
ALTER TABLE skipped_records DROP CONSTRAINT IF EXISTS skipped_records_reason_check;
ALTER TABLE skipped_records ADD CONSTRAINT skipped_records_reason_check
    CHECK (reason IN ('missing_parent', 'invalid', 'undeliverable'));
