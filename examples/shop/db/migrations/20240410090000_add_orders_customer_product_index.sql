-- migrate:up transaction:false
-- DELIBERATELY BAD (kept from the seed document), FAILS AT RUN TIME: transaction:false does not
-- help a section with two statements. dbmate sends the section as one query string, PostgreSQL
-- runs it as one implicit transaction, and CREATE INDEX CONCURRENTLY refuses to run in it.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orders_customer_id_product_id
  ON orders (customer_id, product_id);

ANALYZE orders;

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY IF EXISTS idx_orders_customer_id_product_id;
