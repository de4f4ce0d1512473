-- migrate:up
-- Email verification for app_user. Nullable columns and a constant default are
-- catalog-only changes (PostgreSQL 11+): a brief ACCESS EXCLUSIVE lock, no rewrite.
SET LOCAL lock_timeout = '5s';

ALTER TABLE app_user
  ADD COLUMN email_verified boolean NOT NULL DEFAULT false,
  ADD COLUMN email_verification_token uuid,
  ADD COLUMN email_verification_sent_at timestamptz;

-- migrate:down
SET LOCAL lock_timeout = '5s';

ALTER TABLE app_user
  DROP COLUMN IF EXISTS email_verification_sent_at,
  DROP COLUMN IF EXISTS email_verification_token,
  DROP COLUMN IF EXISTS email_verified;
