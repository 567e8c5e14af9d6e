-- Receipts of a run are deleted once the run is complete; find them by run.
CREATE INDEX IF NOT EXISTS raw_receipts_run_entity_idx ON raw_receipts (run_id, entity);
