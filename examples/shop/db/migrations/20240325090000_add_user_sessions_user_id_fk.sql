-- migrate:up
-- Drift resolution: the foreign key from user_sessions to app_user never reached production.
-- NOT VALID: no scan now, only new rows are checked; 20240325090100 validates the old rows.
SET LOCAL lock_timeout = '5s';

ALTER TABLE user_sessions
  ADD CONSTRAINT fk_user_sessions_user_id
  FOREIGN KEY (user_id) REFERENCES app_user (id) ON DELETE CASCADE
  NOT VALID;

-- migrate:down
SET LOCAL lock_timeout = '5s';

ALTER TABLE user_sessions
  DROP CONSTRAINT IF EXISTS fk_user_sessions_user_id;
