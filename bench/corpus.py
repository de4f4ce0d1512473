"""A generated corpus of realistic migrations, for benchmarks (deterministic for a seed).

Shaped like real open-source histories: most files are a few statements (the median real file is
~140 bytes), a few are large (a schema dump of hundreds of statements), with the statement mix of
real projects — tables, columns, indexes, constraints, functions, triggers, policies, backfills.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Iterable
from pathlib import Path

TYPES = [
    "bigint",
    "integer",
    "text",
    "varchar(255)",
    "boolean",
    "timestamptz",
    "timestamp",
    "jsonb",
    "uuid",
    "numeric(12,2)",
    "date",
    "smallint",
    "json",
    "char(2)",
]
WORDS = [
    "user",
    "account",
    "order",
    "invoice",
    "product",
    "team",
    "project",
    "task",
    "event",
    "payment",
    "session",
    "comment",
    "tag",
    "note",
    "address",
    "shipment",
    "audit",
    "price",
]


class Corpus:
    def __init__(self, seed: int = 1) -> None:
        self.rng = random.Random(seed)
        self.tables: list[str] = []
        self.serial = 0

    def name(self) -> str:
        self.serial += 1
        return f"{self.rng.choice(WORDS)}_{self.rng.choice(WORDS)}_{self.serial}"

    def column(self) -> str:
        return f"{self.rng.choice(WORDS)}_{self.rng.randint(1, 99)} {self.rng.choice(TYPES)}"

    def create_table(self) -> tuple[str, str]:
        table = self.name()
        columns = [self.column() for _ in range(self.rng.randint(2, 9))]
        fk = ""
        if self.tables and self.rng.random() < 0.6:
            fk = f",\n  {self.rng.choice(self.tables)}_id bigint REFERENCES {self.rng.choice(self.tables)}(id)"
        self.tables.append(table)
        up = (
            f"CREATE TABLE {table} (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  "
            + ",\n  ".join(columns)
            + fk
            + ",\n  created_at timestamptz NOT NULL DEFAULT now()\n);"
        )
        return up, f"DROP TABLE IF EXISTS {table};"

    def statement(self) -> tuple[str, str]:
        rng = self.rng
        if not self.tables or rng.random() < 0.25:
            return self.create_table()
        table = rng.choice(self.tables)
        pick = rng.random()
        col = f"{rng.choice(WORDS)}_{rng.randint(100, 999)}"
        if pick < 0.2:
            default = rng.choice(
                ["", " DEFAULT 0", " DEFAULT now()", " DEFAULT gen_random_uuid()", " NOT NULL"]
            )
            return (
                f"ALTER TABLE {table} ADD COLUMN {col} {rng.choice(TYPES)}{default};",
                f"ALTER TABLE {table} DROP COLUMN IF EXISTS {col};",
            )
        if pick < 0.35:
            conc = "CONCURRENTLY " if rng.random() < 0.4 else ""
            return (
                f"CREATE INDEX {conc}idx_{table}_{col} ON {table} (created_at);",
                f"DROP INDEX IF EXISTS idx_{table}_{col};",
            )
        if pick < 0.45:
            return (
                f"ALTER TABLE {table} ADD CONSTRAINT {table}_{col}_check CHECK (id > 0){' NOT VALID' if rng.random() < 0.5 else ''};",
                f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {table}_{col}_check;",
            )
        if pick < 0.55:
            return (
                f"UPDATE {table} SET created_at = now(){' WHERE id < 1000' if rng.random() < 0.5 else ''};",
                "",
            )
        if pick < 0.62:
            return (
                f"ALTER TABLE {table} ALTER COLUMN created_at SET NOT NULL;",
                f"ALTER TABLE {table} ALTER COLUMN created_at DROP NOT NULL;",
            )
        if pick < 0.7:
            func = f"touch_{table}"
            return (
                f"CREATE OR REPLACE FUNCTION {func}() RETURNS trigger AS $$\nBEGIN\n  NEW.created_at = now();\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;\n"
                f"CREATE TRIGGER tr_{table}_{col} BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION {func}();",
                f"DROP TRIGGER IF EXISTS tr_{table}_{col} ON {table};\nDROP FUNCTION IF EXISTS {func}();",
            )
        if pick < 0.78:
            return (
                f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;\nCREATE POLICY {table}_{col}_isolation ON {table} USING (id > 0);",
                f"DROP POLICY IF EXISTS {table}_{col}_isolation ON {table};\nALTER TABLE {table} DISABLE ROW LEVEL SECURITY;",
            )
        if pick < 0.84:
            return (f"COMMENT ON TABLE {table} IS 'Stores {rng.choice(WORDS)} records';", "")
        if pick < 0.9:
            return (
                f"ALTER TABLE {table} ALTER COLUMN created_at TYPE timestamptz USING created_at;",
                "",
            )
        if pick < 0.95:
            return (
                f"CREATE TYPE {col}_kind AS ENUM ('a', 'b', 'c');",
                f"DROP TYPE IF EXISTS {col}_kind;",
            )
        return (f"INSERT INTO {table} (created_at) SELECT now() FROM generate_series(1, 10);", "")

    def migration(self, size: int) -> str:
        ups, downs = [], []
        for _ in range(size):
            up, down = self.statement()
            ups.append(up)
            if down:
                downs.append(down)
        return (
            "-- migrate:up\n"
            + "\n\n".join(ups)
            + "\n\n-- migrate:down\n"
            + "\n".join(reversed(downs))
            + "\n"
        )


def write_corpus(directory: Path, files: int = 2500, seed: int = 1) -> list[Path]:
    """Write ``files`` dbmate migrations into ``directory``; a few are large."""
    directory.mkdir(parents=True, exist_ok=True)
    corpus = Corpus(seed)
    paths = []
    for index in range(files):
        roll = corpus.rng.random()
        size = (
            1
            if roll < 0.55
            else corpus.rng.randint(2, 6)
            if roll < 0.97
            else corpus.rng.randint(30, 300)
        )
        path = directory / f"{20200101000000 + index * 100}_{corpus.name()}.sql"
        path.write_text(corpus.migration(size), encoding="utf-8")
        paths.append(path)
    return paths


def write_projects(root: Path, files: int = 2835, projects: int = 100, seed: int = 1) -> list[Path]:
    """Like a corpus of real repositories: ``files`` migrations spread over ``projects``
    dbmate projects (``root/<project>/db/migrations``), each with its own history."""
    paths: list[Path] = []
    for number in range(projects):
        share = files // projects + (1 if number < files % projects else 0)
        directory = root / f"project{number:03d}" / "db" / "migrations"
        paths.extend(write_corpus(directory, share, seed + number))
    return paths


def large_migration(lines: int = 1264, seed: int = 7) -> str:
    """One migration of about ``lines`` lines (the largest real file is 33 KB, 1,264 lines)."""
    corpus = Corpus(seed)
    parts = ["-- migrate:up"]
    count = 1
    while count < lines - 2:
        up, _ = corpus.statement()
        parts.append(up)
        parts.append("")
        count += up.count("\n") + 2
    parts.append("-- migrate:down")
    return "\n".join(parts) + "\n"


def parse_floor(texts: Iterable[str]) -> float:
    """Seconds for pglast's C parser over ``texts`` (no JSON decoding): the floor of any tool
    built on PostgreSQL's parser, measured in the benchmark's own process."""
    from pglast import parser

    texts = list(texts)
    start = time.perf_counter()
    for text in texts:
        with contextlib.suppress(parser.ParseError):
            parser.parse_sql_json(text)
    return time.perf_counter() - start
