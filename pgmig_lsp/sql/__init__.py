"""SQL parsing with pglast: statements with exact spans, syntax errors as data."""
