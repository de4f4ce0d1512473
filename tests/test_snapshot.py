"""JSON snapshots: the replay of examples/shop and the live database it builds print the same."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pgmig_lsp.analysis import replay_up
from pgmig_lsp.catalog.builtins import builtins_for
from pgmig_lsp.catalog.introspect import introspect
from pgmig_lsp.catalog.model import Catalog
from pgmig_lsp.catalog.snapshot import SnapshotError, format_type, from_json, to_json
from pgmig_lsp.migrations.discover import load_directory
from pgmig_lsp.shadow.apply import apply_up
from pgmig_lsp.shadow.server import ThrowawayPostgres

ROOT = Path(__file__).resolve().parents[1]
SHOP = ROOT / "examples" / "shop" / "db" / "migrations"
BUILTINS = builtins_for(15)


@pytest.fixture(scope="module")
def snapshots(postgres: ThrowawayPostgres) -> tuple[dict[str, Any], dict[str, Any]]:
    migrations = load_directory(SHOP).migrations
    dsn = postgres.create_database("snapshot_shop")
    try:
        applied = apply_up(dsn, migrations)
        real = introspect(dsn)
    finally:
        postgres.drop_database("snapshot_shop")
    replayed = Catalog(complete=True)
    for migration in applied.migrations:
        replay_up(migration, replayed)
    return to_json(replayed, BUILTINS), to_json(real, BUILTINS)


def _names(snapshot: dict[str, Any], kind: str) -> list[tuple[str, str]]:
    return [(item["schema"], item["name"]) for item in snapshot[kind]]


@pytest.mark.parametrize("kind", ["tables", "types", "functions", "views"])
def test_same_objects_name_for_name(snapshots: tuple[dict[str, Any], ...], kind: str) -> None:
    replayed, real = snapshots
    assert _names(replayed, kind) == _names(real, kind)


def test_tables_match_column_for_column_and_index_for_index(
    snapshots: tuple[dict[str, Any], ...],
) -> None:
    replayed, real = snapshots
    for mine, theirs in zip(replayed["tables"], real["tables"], strict=True):
        where = f"{mine['schema']}.{mine['name']}"
        assert mine["rls_enabled"] == theirs["rls_enabled"], where
        for column, server in zip(mine["columns"], theirs["columns"], strict=True):
            assert (column["name"], column["type"], column["nullable"]) == (
                server["name"],
                server["type"],
                server["nullable"],
            ), where
            if column["default"] is not None:  # what pgmig can print, it prints as the server
                assert column["default"] == server["default"], f"{where}.{column['name']}"
        assert [i["name"] for i in mine["indexes"]] == [i["name"] for i in theirs["indexes"]]
        for index, server in zip(mine["indexes"], theirs["indexes"], strict=True):
            assert index["unique"] == server["unique"], index["name"]
            if index["definition"] is not None:
                assert index["definition"] == server["definition"]
        assert [(c["name"], c["type"]) for c in mine["constraints"]] == [
            (c["name"], c["type"]) for c in theirs["constraints"]
        ]
        for constraint, server in zip(mine["constraints"], theirs["constraints"], strict=True):
            if constraint["definition"] is not None:
                assert constraint["definition"] == server["definition"], constraint["name"]
        assert mine["policies"] == theirs["policies"]
        assert mine["triggers"] == theirs["triggers"]


def test_replay_prints_most_definitions(snapshots: tuple[dict[str, Any], ...]) -> None:
    replayed, _ = snapshots
    definitions = [
        item["definition"]
        for table in replayed["tables"]
        for item in [*table["indexes"], *table["constraints"]]
    ]
    assert sum(d is not None for d in definitions) >= 0.8 * len(definitions)


def test_a_snapshot_reads_back_to_the_same_snapshot(
    snapshots: tuple[dict[str, Any], ...],
) -> None:
    _, real = snapshots
    assert to_json(from_json(json.loads(json.dumps(real))), BUILTINS) == real


@pytest.mark.parametrize(
    ("written", "server"),
    [
        ("int8", "bigint"),
        ("varchar(255)", "character varying(255)"),
        ("varchar", "character varying"),
        ("timestamptz", "timestamp with time zone"),
        ("timestamp(3)", "timestamp(3) without time zone"),
        ("bool[]", "boolean[]"),
        ("numeric(12,2)", "numeric(12,2)"),
        ("bpchar", "character(1)"),
        ("public.status", "status"),
        ("app.status", "app.status"),
    ],
)
def test_types_are_spelled_as_format_type_does(written: str, server: str) -> None:
    assert format_type(written, BUILTINS, ("public",)) == server


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"version": 2},
        {"version": 1, "tables": [{"schema": "public"}]},
        {
            "version": 1,
            "tables": [
                {"schema": "public", "name": "t", "constraints": [{"name": "c", "type": "z"}]}
            ],
        },
    ],
)
def test_a_bad_snapshot_is_an_error_not_a_crash(data: object) -> None:
    with pytest.raises(SnapshotError):
        from_json(data)


def test_pgmig_snapshot_writes_the_replayed_schema(tmp_path: Path) -> None:
    out = tmp_path / "schema.json"
    result = subprocess.run(
        [sys.executable, "-m", "pgmig_lsp", "snapshot", str(SHOP), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    snapshot = json.loads(out.read_text())
    assert snapshot["version"] == 1
    assert ("public", "orders") in _names(snapshot, "tables")
    # the project's root: its migration directory is found, as `pgmig check .` finds it
    from_root = subprocess.run(
        [sys.executable, "-m", "pgmig_lsp", "snapshot", "."],
        cwd=SHOP.parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert from_root.returncode == 0, from_root.stderr
    assert json.loads(from_root.stdout) == snapshot
    unreachable = subprocess.run(
        [
            sys.executable,
            "-m",
            "pgmig_lsp",
            "snapshot",
            "--database",
            "postgresql://me:s3cret@127.0.0.1:1/db",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert unreachable.returncode == 2
    assert "s3cret" not in unreachable.stderr and "Traceback" not in unreachable.stderr
