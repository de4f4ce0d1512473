-- migrate:up transaction:false
-- Replaces the role of idx_app_user_active for the new status column.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_app_user_status
  ON app_user (status);

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY IF EXISTS idx_app_user_status;
