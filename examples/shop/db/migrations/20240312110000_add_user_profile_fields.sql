-- migrate:up
-- DELIBERATELY BAD (kept from the seed document): no lock_timeout before the ALTER TABLE,
-- varchar(255) for avatar_url, and an inline CHECK on ADD COLUMN without NOT VALID.
ALTER TABLE app_user
  ADD COLUMN avatar_url varchar(255),
  ADD COLUMN bio text CHECK (char_length(bio) <= 500),
  ADD COLUMN social_links jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN profile_updated_at timestamptz;

CREATE FUNCTION update_profile_timestamp()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  NEW.profile_updated_at = now();
  RETURN NEW;
END;
$$;

CREATE TRIGGER tr_app_user_profile_updated
  BEFORE UPDATE OF avatar_url, bio, social_links ON app_user
  FOR EACH ROW EXECUTE FUNCTION update_profile_timestamp();

-- migrate:down
SET LOCAL lock_timeout = '5s';

DROP TRIGGER IF EXISTS tr_app_user_profile_updated ON app_user;
DROP FUNCTION IF EXISTS update_profile_timestamp();

ALTER TABLE app_user
  DROP COLUMN IF EXISTS profile_updated_at,
  DROP COLUMN IF EXISTS social_links,
  DROP COLUMN IF EXISTS bio,
  DROP COLUMN IF EXISTS avatar_url;
