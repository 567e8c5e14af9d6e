-- Accounts for the API's login: the earlier tool's `users` columns stay as
-- they are; these add what token checks and the operator need.

-- Tokens issued before this instant are refused (a password reset).
ALTER TABLE users ADD COLUMN IF NOT EXISTS password_changed_at timestamptz;
-- When the user was disabled, for the operator's listing.
ALTER TABLE users ADD COLUMN IF NOT EXISTS disabled_at timestamptz;

-- Usernames are unique ignoring case and surrounding spaces. An adopted
-- database holding two such names stops here with a message naming them,
-- rather than with a bare index error.
DO $$
DECLARE
    clashes text;
BEGIN
    SELECT string_agg(names, '; ') INTO clashes
    FROM (
        SELECT string_agg(quote_literal(username), ', ') AS names
        FROM users
        GROUP BY lower(btrim(username))
        HAVING count(*) > 1
    ) AS duplicates;
    IF clashes IS NOT NULL THEN
        RAISE EXCEPTION 'usernames differing only in case or spaces must be renamed first: %',
            clashes;
    END IF;
END
$$;

CREATE UNIQUE INDEX IF NOT EXISTS users_username_folded_key
    ON users (lower(btrim(username)));
