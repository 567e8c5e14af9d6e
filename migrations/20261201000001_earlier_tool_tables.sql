-- The tables of the earlier mirroring tool, with the same names and columns,
-- so that an existing database of that tool is adopted in place. Its times
-- were zone-less `timestamp` columns holding QBench wall-clock time; the next
-- migration converts them once.

CREATE TABLE IF NOT EXISTS customers (
    id integer CONSTRAINT customers_pkey PRIMARY KEY,
    name varchar(255) NOT NULL,
    aliases jsonb NOT NULL DEFAULT '[]'::jsonb,
    date_created timestamp,
    raw_payload jsonb NOT NULL,
    fetched_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS orders (
    id integer CONSTRAINT orders_pkey PRIMARY KEY,
    custom_formatted_id varchar(255),
    customer_account_id integer NOT NULL
        CONSTRAINT orders_customer_account_id_fkey REFERENCES customers (id)
        DEFERRABLE INITIALLY DEFERRED,
    date_created timestamp,
    date_completed timestamp,
    date_order_reported timestamp,
    date_received timestamp,
    sample_count integer,
    test_count integer,
    state varchar(64),
    raw_payload jsonb NOT NULL,
    fetched_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS samples (
    id integer CONSTRAINT samples_pkey PRIMARY KEY,
    sample_name varchar(255),
    custom_formatted_id varchar(255),
    metrc_id varchar(255),
    order_id integer NOT NULL
        CONSTRAINT samples_order_id_fkey REFERENCES orders (id)
        DEFERRABLE INITIALLY DEFERRED,
    has_report boolean NOT NULL DEFAULT false,
    batch_ids integer[] NOT NULL DEFAULT '{}',
    completed_date timestamp,
    date_created timestamp,
    start_date timestamp,
    matrix_type varchar(255),
    sample_type varchar(255),
    state varchar(64),
    test_count integer,
    sample_weight numeric(18, 2),
    raw_payload jsonb NOT NULL,
    fetched_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS tests (
    id integer CONSTRAINT tests_pkey PRIMARY KEY,
    sample_id integer NOT NULL
        CONSTRAINT tests_sample_id_fkey REFERENCES samples (id)
        DEFERRABLE INITIALLY DEFERRED,
    batch_ids integer[] NOT NULL DEFAULT '{}',
    date_created timestamp,
    state varchar(64),
    has_report boolean NOT NULL DEFAULT false,
    report_completed_date timestamp,
    label_abbr varchar(64),
    title varchar(255),
    worksheet_raw jsonb,
    raw_payload jsonb NOT NULL,
    fetched_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS batches (
    id integer CONSTRAINT batches_pkey PRIMARY KEY,
    assay_id integer,
    display_name varchar(255),
    date_created timestamp,
    date_prepared timestamp,
    last_updated timestamp,
    sample_ids integer[] NOT NULL DEFAULT '{}',
    test_ids integer[] NOT NULL DEFAULT '{}',
    raw_payload jsonb NOT NULL,
    fetched_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS sync_checkpoints (
    entity varchar(32) CONSTRAINT sync_checkpoints_pkey PRIMARY KEY,
    last_synced_at timestamp,
    last_cursor integer,
    last_id integer,
    status varchar(32),
    message text,
    updated_at timestamptz,
    failed boolean
);

CREATE TABLE IF NOT EXISTS users (
    id serial CONSTRAINT users_pkey PRIMARY KEY,
    username varchar(150) NOT NULL CONSTRAINT users_username_key UNIQUE,
    password_hash varchar(255) NOT NULL,
    is_active boolean NOT NULL DEFAULT true,
    failed_attempts integer NOT NULL DEFAULT 0,
    locked_until timestamptz,
    last_login_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS banned_entities (
    id serial CONSTRAINT banned_entities_pkey PRIMARY KEY,
    entity_type varchar(32) NOT NULL,
    entity_id integer NOT NULL,
    reason text,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT banned_entities_entity_type_entity_id_key UNIQUE (entity_type, entity_id)
);

CREATE TABLE IF NOT EXISTS metrc_sample_statuses (
    id serial CONSTRAINT metrc_sample_statuses_pkey PRIMARY KEY,
    metrc_id varchar(255) NOT NULL,
    metrc_status varchar(255),
    metrc_date timestamp,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
