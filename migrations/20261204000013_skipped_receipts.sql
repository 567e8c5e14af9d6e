-- A record set aside and later loaded through another message (a later
-- run re-read it once its parent arrived) turns its earlier receipt from
-- skipped to loaded, so the earlier run's page completes. Loaders look
-- such receipts up by record for every batch they commit; few receipts
-- are ever skipped, so the index stays small.
CREATE INDEX IF NOT EXISTS raw_receipts_skipped_idx
    ON raw_receipts (entity, record_id) WHERE outcome = 'skipped';
