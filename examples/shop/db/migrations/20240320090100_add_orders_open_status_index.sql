-- migrate:up transaction:false
-- Partial index for the fulfilment queue: only orders that are still open.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orders_status_created_at
  ON orders (status, created_at DESC)
  WHERE status IN ('pending', 'processing', 'shipped');

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY IF EXISTS idx_orders_status_created_at;
