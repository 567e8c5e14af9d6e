-- When the fetcher saw QBench report a deletion, on the clock that also
-- stamps each copy's fetch time. A copy fetched later proves the record is
-- back (QBench restored it, or the deletion was read by mistake) and brings
-- it back into the mirror. Deletions recorded before this column fall back
-- to the time the loader wrote them, which is later than the observation.
ALTER TABLE record_deletions ADD COLUMN IF NOT EXISTS observed_at timestamptz;
