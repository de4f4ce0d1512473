-- migrate:up
-- Audit trail of changes to app_user, in a schema of its own.
-- CREATE TRIGGER takes SHARE ROW EXCLUSIVE on app_user: set lock_timeout first.
SET LOCAL lock_timeout = '5s';

CREATE SCHEMA audit;

CREATE TABLE audit.user_actions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id uuid,
  action text NOT NULL,
  table_name text NOT NULL,
  record_id text,
  old_values jsonb,
  new_values jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- New, empty table: plain CREATE INDEX.
CREATE INDEX idx_audit_user_actions_user_id_created_at ON audit.user_actions (user_id, created_at);
CREATE INDEX idx_audit_user_actions_table_name_record_id ON audit.user_actions (table_name, record_id);
CREATE INDEX idx_audit_user_actions_created_at ON audit.user_actions (created_at);

CREATE FUNCTION audit.create_audit_trail()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  INSERT INTO audit.user_actions (
    user_id, action, table_name, record_id, old_values, new_values
  ) VALUES (
    NULLIF(current_setting('app.current_user_id', true), '')::uuid,
    TG_OP,
    TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME,
    CASE WHEN TG_OP = 'DELETE' THEN to_jsonb(OLD) ->> 'id' ELSE to_jsonb(NEW) ->> 'id' END,
    CASE WHEN TG_OP IN ('UPDATE', 'DELETE') THEN to_jsonb(OLD) END,
    CASE WHEN TG_OP IN ('INSERT', 'UPDATE') THEN to_jsonb(NEW) END
  );
  RETURN NULL;
END;
$$;

CREATE TRIGGER tr_app_user_audit
  AFTER INSERT OR UPDATE OR DELETE ON app_user
  FOR EACH ROW EXECUTE FUNCTION audit.create_audit_trail();

-- migrate:down
SET LOCAL lock_timeout = '5s';

DROP TRIGGER IF EXISTS tr_app_user_audit ON app_user;
DROP FUNCTION IF EXISTS audit.create_audit_trail();
DROP TABLE IF EXISTS audit.user_actions;
-- No CASCADE: if anything else was put in audit since, the rollback stops instead of dropping it.
DROP SCHEMA IF EXISTS audit;
