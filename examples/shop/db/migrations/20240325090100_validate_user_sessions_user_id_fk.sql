-- migrate:up
-- Validate in its own transaction: SHARE UPDATE EXCLUSIVE on user_sessions,
-- reads and writes go on during the scan.
SET LOCAL lock_timeout = '5s';

ALTER TABLE user_sessions
  VALIDATE CONSTRAINT fk_user_sessions_user_id;

-- migrate:down
-- A validated constraint cannot be marked NOT VALID again: put it back as it was.
SET LOCAL lock_timeout = '5s';

ALTER TABLE user_sessions
  DROP CONSTRAINT IF EXISTS fk_user_sessions_user_id,
  ADD CONSTRAINT fk_user_sessions_user_id
    FOREIGN KEY (user_id) REFERENCES app_user (id) ON DELETE CASCADE
    NOT VALID;
