-- What this product adds: record versions, soft deletes, the extra columns
-- its metrics read, the ledger that keeps checkpoints honest, skipped records,
-- sync runs and fetch cursors.

-- Versions: QBench `last_updated` (epoch seconds) then the JetStream sequence
-- of the message that wrote the row. A row is only overwritten by a newer one.
ALTER TABLE customers
    ADD COLUMN IF NOT EXISTS source_version bigint,
    ADD COLUMN IF NOT EXISTS source_sequence bigint NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS deleted_at timestamptz;

ALTER TABLE orders
    ADD COLUMN IF NOT EXISTS source_version bigint,
    ADD COLUMN IF NOT EXISTS source_sequence bigint NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS deleted_at timestamptz;

ALTER TABLE samples
    ADD COLUMN IF NOT EXISTS source_version bigint,
    ADD COLUMN IF NOT EXISTS source_sequence bigint NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS deleted_at timestamptz;

ALTER TABLE tests
    ADD COLUMN IF NOT EXISTS source_version bigint,
    ADD COLUMN IF NOT EXISTS source_sequence bigint NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS deleted_at timestamptz,
    ADD COLUMN IF NOT EXISTS start_date timestamptz,
    ADD COLUMN IF NOT EXISTS complete_date timestamptz,
    ADD COLUMN IF NOT EXISTS assay_id integer;

ALTER TABLE batches
    ADD COLUMN IF NOT EXISTS source_version bigint,
    ADD COLUMN IF NOT EXISTS source_sequence bigint NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS deleted_at timestamptz;

-- Deletions seen in QBench's updates feed, kept even before the row exists.
CREATE TABLE record_deletions (
    entity varchar(32) NOT NULL,
    record_id integer NOT NULL,
    detected_at timestamptz NOT NULL DEFAULT now(),
    run_id uuid,
    CONSTRAINT record_deletions_pkey PRIMARY KEY (entity, record_id)
);

-- Text columns the earlier tool limited in length: a long QBench value must
-- never fail a whole batch.
ALTER TABLE customers ALTER COLUMN name TYPE text;
ALTER TABLE orders ALTER COLUMN custom_formatted_id TYPE text, ALTER COLUMN state TYPE text;
ALTER TABLE samples
    ALTER COLUMN sample_name TYPE text,
    ALTER COLUMN custom_formatted_id TYPE text,
    ALTER COLUMN metrc_id TYPE text,
    ALTER COLUMN matrix_type TYPE text,
    ALTER COLUMN sample_type TYPE text,
    ALTER COLUMN state TYPE text;
ALTER TABLE tests
    ALTER COLUMN state TYPE text,
    ALTER COLUMN label_abbr TYPE text,
    ALTER COLUMN title TYPE text;
ALTER TABLE batches ALTER COLUMN display_name TYPE text;

-- Sync runs of the fetcher.
CREATE TABLE sync_runs (
    run_id uuid CONSTRAINT sync_runs_pkey PRIMARY KEY,
    mode varchar(32) NOT NULL,
    entities text[] NOT NULL,
    status varchar(32) NOT NULL,
    message text,
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    CONSTRAINT sync_runs_status_check
        CHECK (status IN ('running', 'published', 'partial', 'failed'))
);

-- One row per run and entity: whether the fetcher has published every page
-- (status), how many pages, how many of them are wholly committed from the
-- first on (complete_pages), and when all were (completed_at).
CREATE TABLE sync_run_entities (
    run_id uuid NOT NULL CONSTRAINT sync_run_entities_run_id_fkey REFERENCES sync_runs (run_id),
    entity varchar(32) NOT NULL,
    mode varchar(32) NOT NULL,
    status varchar(32) NOT NULL,
    message text,
    total_pages integer,
    complete_pages integer NOT NULL DEFAULT 0,
    started_at timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz,
    completed_at timestamptz,
    CONSTRAINT sync_run_entities_pkey PRIMARY KEY (run_id, entity),
    CONSTRAINT sync_run_entities_status_check
        CHECK (status IN ('running', 'published', 'partial', 'failed'))
);

CREATE INDEX sync_run_entities_entity_started_idx ON sync_run_entities (entity, started_at);

-- One row per published page: how many records it published (set by the
-- fetcher after JetStream acknowledged them) and how many of them the loaders
-- have committed or set aside. Checkpoints advance over complete pages only.
CREATE TABLE sync_run_pages (
    run_id uuid NOT NULL,
    entity varchar(32) NOT NULL,
    page integer NOT NULL,
    record_count integer,
    loaded integer NOT NULL DEFAULT 0,
    skipped integer NOT NULL DEFAULT 0,
    first_id integer,
    last_id integer,
    published_at timestamptz,
    CONSTRAINT sync_run_pages_pkey PRIMARY KEY (run_id, entity, page)
);

-- Raw messages already counted towards their page, so a redelivery after a
-- commit is never counted twice.
CREATE TABLE raw_receipts (
    raw_sequence bigint CONSTRAINT raw_receipts_pkey PRIMARY KEY,
    run_id uuid NOT NULL,
    entity varchar(32) NOT NULL,
    page integer NOT NULL,
    outcome varchar(16) NOT NULL,
    handled_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT raw_receipts_outcome_check CHECK (outcome IN ('loaded', 'skipped'))
);

-- Records set aside: missing parents after every attempt, or unmappable.
CREATE TABLE skipped_records (
    entity varchar(32) NOT NULL,
    record_id integer NOT NULL,
    reason varchar(32) NOT NULL,
    missing_parent_entity varchar(32),
    missing_parent_id integer,
    attempts integer NOT NULL DEFAULT 0,
    last_error text NOT NULL,
    payload jsonb,
    raw_sequence bigint,
    first_skipped_at timestamptz NOT NULL DEFAULT now(),
    last_attempt_at timestamptz NOT NULL DEFAULT now(),
    requeued_at timestamptz,
    resolved_at timestamptz,
    CONSTRAINT skipped_records_pkey PRIMARY KEY (entity, record_id),
    CONSTRAINT skipped_records_reason_check CHECK (reason IN ('missing_parent', 'invalid'))
);

CREATE INDEX skipped_records_waiting_parent_idx
    ON skipped_records (missing_parent_entity, missing_parent_id)
    WHERE resolved_at IS NULL;

-- Where the fetcher asks QBench next; advanced only after publish acks.
CREATE TABLE fetch_cursors (
    entity varchar(32) NOT NULL,
    mode varchar(32) NOT NULL,
    run_id uuid,
    next_page integer,
    high_water_id integer,
    changes_since timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT fetch_cursors_pkey PRIMARY KEY (entity, mode)
);

-- The run a checkpoint is waiting on, beside the earlier tool's columns.
ALTER TABLE sync_checkpoints ADD COLUMN IF NOT EXISTS run_id uuid;

-- Indexes the loader, the verifier and the metrics read through.
CREATE INDEX IF NOT EXISTS orders_customer_account_id_idx ON orders (customer_account_id);
CREATE INDEX IF NOT EXISTS samples_order_id_idx ON samples (order_id);
CREATE INDEX IF NOT EXISTS tests_sample_id_idx ON tests (sample_id);
CREATE INDEX IF NOT EXISTS tests_date_created_idx ON tests (date_created);
CREATE INDEX IF NOT EXISTS tests_report_completed_date_idx ON tests (report_completed_date);
CREATE INDEX IF NOT EXISTS samples_date_created_idx ON samples (date_created);
CREATE INDEX IF NOT EXISTS orders_date_created_idx ON orders (date_created);
