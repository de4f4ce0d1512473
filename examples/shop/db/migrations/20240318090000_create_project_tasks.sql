-- migrate:up
-- Task management per project. The enums come first: the table uses them.
-- The new foreign keys take SHARE ROW EXCLUSIVE on projects and app_user: set lock_timeout first.
SET LOCAL lock_timeout = '5s';

CREATE TYPE task_priority AS ENUM ('low', 'medium', 'high', 'urgent');
CREATE TYPE task_status AS ENUM ('todo', 'in_progress', 'review', 'completed', 'cancelled');

CREATE TABLE project_tasks (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  assigned_to uuid REFERENCES app_user (id) ON DELETE SET NULL,
  created_by uuid NOT NULL REFERENCES app_user (id),
  title text NOT NULL CHECK (char_length(title) <= 255),
  description text,
  priority task_priority NOT NULL DEFAULT 'medium',
  status task_status NOT NULL DEFAULT 'todo',
  due_date timestamptz,
  completed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The table is new and empty: plain CREATE INDEX (CONCURRENTLY would fail in this transaction).
-- Every foreign key has an index that starts with its column.
CREATE INDEX idx_project_tasks_project_id_status ON project_tasks (project_id, status);
CREATE INDEX idx_project_tasks_assigned_to ON project_tasks (assigned_to);
CREATE INDEX idx_project_tasks_created_by ON project_tasks (created_by);
CREATE INDEX idx_project_tasks_due_date ON project_tasks (due_date) WHERE due_date IS NOT NULL;

ALTER TABLE project_tasks ENABLE ROW LEVEL SECURITY;
CREATE POLICY project_tasks_isolation ON project_tasks
  FOR ALL USING (
    project_id IN (
      SELECT id FROM projects
      WHERE organization_id = current_setting('app.current_organization_id')::uuid
    )
  );

CREATE TRIGGER tr_project_tasks_updated_at
  BEFORE UPDATE ON project_tasks
  FOR EACH ROW EXECUTE FUNCTION update_timestamp();

-- migrate:down
SET LOCAL lock_timeout = '5s';

-- Takes the table's indexes, policy and trigger with it; the types go after the table.
DROP TABLE IF EXISTS project_tasks;
DROP TYPE IF EXISTS task_status;
DROP TYPE IF EXISTS task_priority;
