"""The catalog model's copy-on-write machinery: what rules rely on when comparing forks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest

from pgmig_lsp.catalog.model import Catalog, Column, Constraint, Origin, Table
from pgmig_lsp.source import Span

ORIGIN = Origin(Path("m.sql"), Span(1, 2), "m.sql")


def _filled(cls: type[Any]) -> Any:
    """An instance whose every field differs from its default."""
    values: dict[str, Any] = {
        "name": "n",
        "type": "u",
        "not_null": True,
        "default": "0",
        "identity": "a",
        "generated": True,
        "origin": ORIGIN,
        "columns": ("a", "b"),
        "references": ("public", "t"),
        "referenced_columns": ("id",),
        "validated": False,
        "comment": "c",
        "generation_expression": "a + 1",
        "definition": "CHECK (a > 0)",
        "on_delete": "CASCADE",
        "on_update": "SET NULL",
    }
    return cls(**{f.name: values[f.name] for f in attrs.fields(cls) if f.init})


@pytest.mark.parametrize("cls", [Column, Constraint])
def test_copy_keeps_every_field(cls: type[Any]) -> None:
    original = _filled(cls)
    copied = original.copy()
    assert copied is not original
    assert attrs.asdict(copied, recurse=False) == attrs.asdict(original, recurse=False)


def test_clone_shares_nothing_changeable() -> None:
    table = Table("public", "t", columns={"a": Column("a", "int")})
    clone = table.clone()
    clone.columns["a"].not_null = True
    assert table.columns["a"].not_null is False


def test_written_since_lists_changes_after_the_mark_only() -> None:
    catalog = Catalog()
    catalog.tables[("public", "old")] = Table("public", "old")
    before = catalog.fork()
    mark = catalog.mark()
    table = catalog.writable_table(("public", "old"))
    assert table is not None and table is not before.tables[("public", "old")]
    catalog.tables[("public", "new")] = Table("public", "new")
    catalog.types.pop(("public", "missing"), None)
    tables, indexes, types, _, _ = catalog.written_since(mark)
    assert tables == {("public", "old"), ("public", "new")}
    assert indexes == set()
    assert types == {("public", "missing")}


def test_views_follow_the_tables() -> None:
    catalog = Catalog(tables={("public", "v"): Table("public", "v", kind="view")})
    catalog.tables[("public", "m")] = Table("public", "m", kind="matview")
    catalog.tables[("public", "t")] = Table("public", "t")
    fork = catalog.fork()
    del fork.tables[("public", "v")]
    assert [v.name for v in catalog.views()] == ["v", "m"]
    assert [v.name for v in fork.views()] == ["m"]


def test_derived_facts_are_kept_only_once_the_object_is_shared() -> None:
    catalog = Catalog()
    catalog.tables[("public", "t")] = catalog.adopt(Table("public", "t"))
    calls: list[str] = []

    def count(table: Table) -> int:
        calls.append(table.name)
        return len(table.columns)

    table = catalog.tables[("public", "t")]
    assert catalog.derived(table, "n", count) == 0
    table.columns["a"] = Column("a", "int")  # still owned: may change, nothing was kept
    assert catalog.derived(table, "n", count) == 1
    catalog.fork()  # now shared: it can no longer change
    assert catalog.derived(table, "n", count) == 1
    assert catalog.derived(table, "n", count) == 1
    assert len(calls) == 3
