-- migrate:up
-- Login sessions. As first deployed, user_id had no foreign key: production drifted
-- from the intended schema, which 20240325090000/20240325090100 resolve.
CREATE TABLE user_sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL,
  token_hash text NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_user_sessions_user_id ON user_sessions (user_id);

ALTER TABLE user_sessions ENABLE ROW LEVEL SECURITY;
CREATE POLICY user_sessions_isolation ON user_sessions
  FOR ALL USING (
    user_id IN (
      SELECT id FROM app_user
      WHERE organization_id = current_setting('app.current_organization_id')::uuid
    )
  );

-- migrate:down
DROP TABLE IF EXISTS user_sessions;
