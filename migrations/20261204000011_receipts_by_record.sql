-- A record can reach the raw stream twice: a publish that nats-server stored
-- but could not acknowledge before it went down is sent again, and a
-- restarted server may no longer hold the first copy's message id. Each copy
-- has its own stream sequence, so receipts keyed by sequence counted such a
-- record twice and could call its page complete while another record of the
-- page was still in flight. A receipt now stands for one record of one page
-- of a run, however many copies of it are delivered.
ALTER TABLE raw_receipts ADD COLUMN IF NOT EXISTS record_id bigint;

-- Receipts written before this change name no record; each keeps a key of
-- its own that no record id can take, so none of them merges with another.
UPDATE raw_receipts SET record_id = -raw_sequence WHERE record_id IS NULL;
ALTER TABLE raw_receipts ALTER COLUMN record_id SET NOT NULL;

ALTER TABLE raw_receipts DROP CONSTRAINT raw_receipts_pkey;
ALTER TABLE raw_receipts
    ADD CONSTRAINT raw_receipts_pkey PRIMARY KEY (run_id, entity, page, record_id);

-- The key's leading columns serve the deletion of a finished run's receipts.
DROP INDEX IF EXISTS raw_receipts_run_entity_idx;

-- Set-aside records name the raw message they came from.
CREATE INDEX IF NOT EXISTS raw_receipts_sequence_idx ON raw_receipts (raw_sequence);
