-- migrate:up transaction:false
-- CONCURRENTLY cannot run in a transaction: this section holds this one statement only.
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS idx_app_user_email_verification_token
  ON app_user (email_verification_token)
  WHERE email_verification_token IS NOT NULL;

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY IF EXISTS idx_app_user_email_verification_token;
