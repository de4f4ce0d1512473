-- migrate:up
-- DELIBERATELY BAD (kept from the seed document): one whole-table UPDATE backfills every row
-- inside the migration while the ADD COLUMN's ACCESS EXCLUSIVE lock is held, then SET NOT NULL
-- scans the table under that lock; and the down section forgets to restore the original
-- user_active_isolation policy (a rollback leaves app_user without it).
SET LOCAL lock_timeout = '5s';

CREATE TYPE user_status AS ENUM ('active', 'inactive', 'suspended', 'pending');

ALTER TABLE app_user ADD COLUMN status user_status;

UPDATE app_user
SET status = CASE
  WHEN active THEN 'active'::user_status
  ELSE 'inactive'::user_status
END;

ALTER TABLE app_user
  ALTER COLUMN status SET NOT NULL,
  ALTER COLUMN status SET DEFAULT 'pending';

DROP POLICY IF EXISTS user_active_isolation ON app_user;
CREATE POLICY user_active_isolation ON app_user
  FOR ALL USING (
    status = 'active' AND
    organization_id = current_setting('app.current_organization_id')::uuid
  );

-- migrate:down
SET LOCAL lock_timeout = '5s';

DROP POLICY IF EXISTS user_active_isolation ON app_user;
ALTER TABLE app_user DROP COLUMN IF EXISTS status;
DROP TYPE IF EXISTS user_status;
