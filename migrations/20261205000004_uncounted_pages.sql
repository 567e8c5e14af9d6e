-- The fetcher looks for pages left uncounted (announced, never counted)
-- before every run; they are few, the pages many.
CREATE INDEX IF NOT EXISTS sync_run_pages_uncounted_idx
    ON sync_run_pages (run_id, entity) WHERE record_count IS NULL;
