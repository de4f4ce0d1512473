"""pgmig: a language server and CLI for PostgreSQL migration files."""

__version__ = "0.1.0"
