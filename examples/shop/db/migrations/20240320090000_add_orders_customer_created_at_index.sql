-- migrate:up transaction:false
-- Order history per customer, newest first. orders is large and busy: build the index
-- without blocking writes, alone in its section.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orders_customer_id_created_at
  ON orders (customer_id, created_at DESC);

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY IF EXISTS idx_orders_customer_id_created_at;
