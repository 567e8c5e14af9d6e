-- The QBench version of the copy a loader set aside. An entry is resolved
-- only once the mirror holds that version or a newer one, so an older copy
-- of the record loading later (another run's message, a retry) no longer
-- clears the entry of a newer copy that never loaded. Entries written
-- before this column have no version and resolve on any load, as before.
ALTER TABLE skipped_records ADD COLUMN IF NOT EXISTS source_version bigint;
