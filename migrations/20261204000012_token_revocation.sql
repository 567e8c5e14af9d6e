-- Disabling a user ends the tokens issued so far for good: re-enabling the
-- user later does not bring them back. Tokens issued before this instant
-- are refused, as those issued before a password change are.
ALTER TABLE users ADD COLUMN IF NOT EXISTS tokens_revoked_at timestamptz;
