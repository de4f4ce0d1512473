-- migrate:up
-- Tenancy base: organizations, their users and projects, each tenant table
-- isolated by row level security on app.current_organization_id.
-- Every table is new here, so plain CREATE INDEX is right (the tables are empty).

CREATE FUNCTION update_timestamp()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  NEW.updated_at = now();
  RETURN NEW;
END;
$$;

CREATE TABLE organizations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE app_user (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  email text NOT NULL,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT app_user_email_key UNIQUE (email)
);
CREATE INDEX idx_app_user_organization_id ON app_user (organization_id);
CREATE INDEX idx_app_user_active ON app_user (active);

CREATE TABLE projects (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_projects_organization_id ON projects (organization_id);

CREATE TRIGGER tr_organizations_updated_at
  BEFORE UPDATE ON organizations
  FOR EACH ROW EXECUTE FUNCTION update_timestamp();
CREATE TRIGGER tr_app_user_updated_at
  BEFORE UPDATE ON app_user
  FOR EACH ROW EXECUTE FUNCTION update_timestamp();
CREATE TRIGGER tr_projects_updated_at
  BEFORE UPDATE ON projects
  FOR EACH ROW EXECUTE FUNCTION update_timestamp();

ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
CREATE POLICY organization_isolation ON organizations
  FOR ALL USING (
    id = current_setting('app.current_organization_id')::uuid
  );

ALTER TABLE app_user ENABLE ROW LEVEL SECURITY;
CREATE POLICY user_isolation ON app_user
  FOR ALL USING (
    organization_id = current_setting('app.current_organization_id')::uuid
  );
CREATE POLICY user_active_isolation ON app_user
  FOR ALL USING (
    active = TRUE AND
    organization_id = current_setting('app.current_organization_id')::uuid
  );

ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY projects_isolation ON projects
  FOR ALL USING (
    organization_id = current_setting('app.current_organization_id')::uuid
  );

-- migrate:down
-- Dropping a table drops its indexes, triggers and policies with it.
DROP TABLE IF EXISTS projects;
DROP TABLE IF EXISTS app_user;
DROP TABLE IF EXISTS organizations;
DROP FUNCTION IF EXISTS update_timestamp();
