"""Catching a history up after an edit in its middle gives what a full replay gives."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bench.corpus import write_corpus
from pgmig_lsp.analysis import replay_up
from pgmig_lsp.catalog.model import Catalog
from pgmig_lsp.history import CHECKPOINT, History
from pgmig_lsp.migrations.discover import load_file

#: edits of a migration's up section, appended before ``-- migrate:down``
EDITS = [
    "CREATE TABLE zz_{n} (id bigint PRIMARY KEY, ref bigint);",
    "CREATE TABLE zz_{n} (id serial PRIMARY KEY, code text UNIQUE, CHECK (id > 0));",
    "CREATE INDEX ON {table} (id);",
    "ALTER TABLE {table} ADD COLUMN zz_{n} text NOT NULL DEFAULT 'x';",
    "ALTER TABLE {table} ADD CONSTRAINT zz_{n}_check CHECK (id > 0);",
    "ALTER TABLE {table} RENAME TO {table}_renamed;",
    "DROP TABLE {table};",
    "DROP TABLE {table} CASCADE;",
    "CREATE TYPE zz_{n} AS ENUM ('a', 'b');",
    "CREATE SCHEMA zz_{n};",
    "SET search_path TO public;",
    "CREATE TABLE {table}_id_seq (id int);",
    "CREATE TABLE {prefix} (id bigint PRIMARY KEY);",
]


def _full(history: History, upto: int) -> Catalog:
    catalog = Catalog()
    for migration in history.migrations[:upto]:
        replay_up(migration, catalog)
    return catalog


def _tables_of(history: History, position: int) -> list[str]:
    catalog = history.before(position, budget=len(history.migrations))
    assert catalog is not None
    return sorted(name for schema, name in catalog.tables if schema == "public")


@pytest.mark.parametrize("seed", range(6))
def test_caught_up_schemas_equal_a_full_replay(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    paths = write_corpus(tmp_path, files=8 * CHECKPOINT + 5, seed=seed)
    history = History.load(tmp_path, None)
    count = len(history.migrations)
    history.before(count - 1, budget=count)
    for n in range(4):
        position = rng.randrange(1, count - 2 * CHECKPOINT)
        tables = _tables_of(history, position)
        table = rng.choice(tables) if tables else "nothing"
        edit = rng.choice(EDITS).format(n=n, table=table, prefix=table.split("_")[0])
        path = paths[position]
        text = path.read_text(encoding="utf-8").replace(
            "-- migrate:down", f"{edit}\n-- migrate:down", 1
        )
        path.write_text(text, encoding="utf-8")
        migration = load_file(path, text=text, tool=None)
        assert migration is not None
        assert history.update(migration)
        history.invalidate_after(position)
        last = history.before(count - 1, budget=count)
        assert last is not None
        expected = _full(history, count - 1)
        assert last == expected, (seed, n, edit)
        # and every checkpoint on the way
        for at in range(position + 1, count - 1, CHECKPOINT):
            assert history.before(at, budget=count) == _full(history, at), (seed, n, edit, at)


def test_an_edit_no_later_migration_sees_is_caught_up_without_replaying(tmp_path: Path) -> None:
    paths = write_corpus(tmp_path, files=20 * CHECKPOINT, seed=3)
    history = History.load(tmp_path, None)
    count = len(history.migrations)
    history.before(count - 1, budget=count)
    position = 2 * CHECKPOINT + 3
    path = paths[position]
    text = path.read_text(encoding="utf-8").replace(
        "-- migrate:down", "CREATE TABLE qq_unrelated (id bigint);\n-- migrate:down", 1
    )
    migration = load_file(path, text=text, tool=None)
    assert migration is not None
    history.update(migration)
    history.invalidate_after(position)
    # 19 segments to go: the edited one is replayed, the others are caught up a step each
    assert history.advance(count - 1, budget=3 * CHECKPOINT)
    assert history.before(count - 1, budget=0) == _full(history, count - 1)
