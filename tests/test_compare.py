"""`differences`: one line per difference between two catalogs, object by object."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import pytest

from pgmig_lsp.catalog.compare import differences
from pgmig_lsp.catalog.model import (
    Catalog,
    Column,
    Constraint,
    Function,
    Index,
    Origin,
    Policy,
    Sequence,
    Table,
    TableSize,
    Trigger,
    TypeDef,
)
from pgmig_lsp.source import Span


def _catalog() -> Catalog:
    accounts = Table(
        "app",
        "accounts",
        columns={
            "id": Column("id", "bigint", not_null=True, identity="a"),
            "email": Column("email", "text", not_null=True),
            "mood": Column("mood", "app.mood", default="'ok'::app.mood"),
            "search": Column("search", "tsvector", generated=True),
        },
        constraints={
            "accounts_pkey": Constraint("accounts_pkey", "p", ("id",)),
            "accounts_email_key": Constraint("accounts_email_key", "u", ("email",)),
        },
        policies={"accounts_visible": Policy("accounts_visible")},
        triggers={"accounts_touch": Trigger("accounts_touch", "app.touch")},
        rls_enabled=True,
    )
    invoices = Table(
        "app",
        "invoices",
        columns={"account_id": Column("account_id", "bigint", not_null=True)},
        constraints={
            "invoices_account_id_fkey": Constraint(
                "invoices_account_id_fkey", "f", ("account_id",), ("app", "accounts"), ("id",)
            )
        },
    )
    names = Table("app", "account_names", kind="view", columns={"id": Column("id", "bigint")})
    return Catalog(
        schemas={"public", "app"},
        tables={t.key: t for t in (accounts, invoices, names)},
        indexes={
            ("app", "accounts_pkey"): Index(
                "app", "accounts_pkey", ("app", "accounts"), ("id",), unique=True
            ),
            ("app", "accounts_lower_idx"): Index(
                "app", "accounts_lower_idx", ("app", "accounts"), (None,)
            ),
        },
        types={("app", "mood"): TypeDef("app", "mood", "enum", ["sad", "ok"])},
        functions={
            ("app", "add"): [
                Function("app", "add", ("integer", "integer"), "integer", "i"),
                Function("app", "add", ("numeric", "numeric"), "numeric", "s"),
            ]
        },
        sequences={("app", "numbers"): Sequence("app", "numbers")},
        extensions={"citext"},
    )


def test_a_catalog_has_no_differences_from_itself_or_a_copy() -> None:
    assert differences(_catalog(), _catalog()) == []
    catalog = _catalog()
    assert differences(catalog, catalog.fork()) == []


def test_origins_uncertainty_sizes_and_memos_are_not_compared() -> None:
    actual = _catalog()
    origin = Origin(Path("m.sql"), Span(0, 1), "m.sql")
    table = actual.tables[("app", "accounts")]
    table.origin = table.columns["id"].origin = origin
    table.uncertain = True
    table.size = TableSize(rows=10, total_bytes=8192)
    table.memo["fact"] = 1
    actual.functions[("app", "add")][0].origin = origin
    actual.indexes[("app", "accounts_pkey")].origin = origin
    assert differences(_catalog(), actual) == []


Change = Callable[[Catalog], object]


def _table(catalog: Catalog, name: str = "accounts") -> Table:
    return catalog.tables[("app", name)]


def _set(find: Callable[[Catalog], object], **fields: object) -> Change:
    """A change that sets ``fields`` on the object ``find`` picks."""

    def change(catalog: Catalog) -> None:
        target = find(catalog)
        for name, value in fields.items():
            setattr(target, name, value)

    return change


def _both(*changes: Change) -> Change:
    def change(catalog: Catalog) -> None:
        for one in changes:
            one(catalog)

    return change


def _reorder(catalog: Catalog) -> None:
    columns = _table(catalog).columns
    _table(catalog).columns = {"email": columns["email"], **columns}


def _drop_table(catalog: Catalog) -> None:
    del catalog.tables[("app", "account_names")]


def _add_overload(catalog: Catalog) -> None:
    catalog.functions[("app", "add")] = [
        *catalog.functions[("app", "add")],
        Function("app", "add", ("bigint",), "bigint"),
    ]


# (what changes in the actual catalog, the lines it gives)
CASES: list[tuple[str, Change, list[str]]] = [
    ("schema gone", lambda c: c.schemas.discard("app"), ["schema app: missing"]),
    ("schema added", lambda c: c.schemas.add("audit"), ["schema audit: unexpected"]),
    ("extension", lambda c: c.extensions.add("pgcrypto"), ["extension pgcrypto: unexpected"]),
    ("view gone", _drop_table, ["view app.account_names: missing"]),
    (
        "table added",
        lambda c: c.tables.__setitem__(("app", "extra"), Table("app", "extra", kind="matview")),
        ["materialized view app.extra: unexpected"],
    ),
    (
        "kind",
        _set(lambda c: _table(c, "account_names"), kind="matview"),
        ["view app.account_names: kind expected 'view', found 'matview'"],
    ),
    (
        "rls",
        _set(_table, rls_forced=True),
        ["table app.accounts: rls_forced expected False, found True"],
    ),
    (
        "column type",
        _set(lambda c: _table(c).columns["email"], type="character varying(255)"),
        ["column app.accounts.email: type expected 'text', found 'character varying(255)'"],
    ),
    (
        "nullability and default",
        _set(lambda c: _table(c).columns["mood"], not_null=True, default=None),
        [
            "column app.accounts.mood: not_null expected False, found True",
            "column app.accounts.mood: default expected \"'ok'::app.mood\", found None",
        ],
    ),
    (
        "identity and generated",
        _both(
            _set(lambda c: _table(c).columns["id"], identity="d"),
            _set(lambda c: _table(c).columns["search"], generated=False),
        ),
        [
            "column app.accounts.id: identity expected 'a', found 'd'",
            "column app.accounts.search: generated expected True, found False",
        ],
    ),
    (
        "column order",
        _reorder,
        [
            "table app.accounts: column order expected (id, email, mood, search),"
            " found (email, id, mood, search)"
        ],
    ),
    (
        "column gone and added",
        _both(
            lambda c: _table(c).columns.pop("mood"),
            lambda c: _table(c).columns.setdefault("x", Column("x", "int")),
        ),
        ["column app.accounts.mood: missing", "column app.accounts.x: unexpected"],
    ),
    (
        "constraint renamed",
        lambda c: _table(c).constraints.__setitem__(
            "accounts_email_key1", _table(c).constraints.pop("accounts_email_key")
        ),
        [
            "constraint accounts_email_key on app.accounts: missing",
            "constraint accounts_email_key1 on app.accounts: unexpected",
        ],
    ),
    (
        "foreign key",
        _set(
            lambda c: _table(c, "invoices").constraints["invoices_account_id_fkey"],
            validated=False,
            references=("public", "accounts"),
        ),
        [
            "constraint invoices_account_id_fkey on app.invoices: references expected"
            " app.accounts, found public.accounts",
            "constraint invoices_account_id_fkey on app.invoices: validated expected True,"
            " found False",
        ],
    ),
    (
        "constraint columns",
        _set(lambda c: _table(c).constraints["accounts_pkey"], columns=("id", "email")),
        [
            "constraint accounts_pkey on app.accounts: columns expected (id), found (id, email)",
        ],
    ),
    (
        "trigger function",
        _set(lambda c: _table(c).triggers["accounts_touch"], function="touch"),
        ["trigger accounts_touch on app.accounts: function expected 'app.touch', found 'touch'"],
    ),
    (
        "policy gone",
        lambda c: _table(c).policies.clear(),
        ["policy accounts_visible on app.accounts: missing"],
    ),
    (
        "index",
        _set(lambda c: c.indexes[("app", "accounts_lower_idx")], partial=True, method="hash"),
        [
            "index app.accounts_lower_idx: partial expected False, found True",
            "index app.accounts_lower_idx: method expected 'btree', found 'hash'",
        ],
    ),
    (
        "index gone",
        lambda c: c.drop_index(("app", "accounts_pkey")),
        ["index app.accounts_pkey: missing"],
    ),
    (
        "enum values",
        lambda c: c.types[("app", "mood")].values.append("happy"),
        ["type app.mood: values expected ['sad', 'ok'], found ['sad', 'ok', 'happy']"],
    ),
    (
        "type gone",
        lambda c: c.types.clear(),
        ["enum type app.mood: missing"],
    ),
    (
        "function volatility",
        _set(lambda c: c.functions[("app", "add")][1], volatility="v"),
        ["function app.add(numeric, numeric): volatility expected 's', found 'v'"],
    ),
    ("overload added", _add_overload, ["function app.add(bigint): unexpected"]),
    ("sequence gone", lambda c: c.sequences.clear(), ["sequence app.numbers: missing"]),
]


@pytest.mark.parametrize(("change", "lines"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_difference_is_one_line(change: Change, lines: list[str]) -> None:
    actual = _catalog()
    change(actual)
    assert differences(_catalog(), actual) == lines


def test_the_other_way_round_missing_becomes_unexpected() -> None:
    smaller = _catalog()
    _drop_table(smaller)
    assert differences(smaller, _catalog()) == ["view app.account_names: unexpected"]


# fields only a live database (or a snapshot) knows: compared where both sides know them
KNOWN_ONLY: list[tuple[str, Change, str]] = [
    (
        "constraint definition",
        lambda c: _table(c).constraints["accounts_pkey"],
        "definition",
    ),
    (
        "foreign key action",
        lambda c: _table(c, "invoices").constraints["invoices_account_id_fkey"],
        "on_delete",
    ),
    ("index definition", lambda c: c.indexes[("app", "accounts_pkey")], "definition"),
    ("column comment", lambda c: _table(c).columns["email"], "comment"),
    ("view definition", lambda c: _table(c, "account_names"), "definition"),
    ("policy command", lambda c: _table(c).policies["accounts_visible"], "command"),
    ("trigger timing", lambda c: _table(c).triggers["accounts_touch"], "timing"),
    ("function kind", lambda c: c.functions[("app", "add")][0], "kind"),
    ("sequence type", lambda c: c.sequences[("app", "numbers")], "data_type"),
    ("domain base type", lambda c: c.types[("app", "mood")], "base_type"),
]


@pytest.mark.parametrize(
    ("find", "field"), [c[1:] for c in KNOWN_ONLY], ids=[c[0] for c in KNOWN_ONLY]
)
def test_fields_only_a_live_database_knows(find: Change, field: str) -> None:
    expected, actual = _catalog(), _catalog()
    setattr(find(actual), field, "B")
    assert differences(expected, actual) == []  # not known on one side: not compared
    setattr(find(expected), field, "A")
    (line,) = differences(expected, actual)
    assert line.endswith(f": {field} expected 'A', found 'B'")
    setattr(find(expected), field, "B")
    assert differences(expected, actual) == []


def test_lines_come_in_a_stable_order() -> None:
    actual = copy.deepcopy(_catalog())
    for key in list(actual.tables):
        del actual.tables[key]
    actual.schemas.add("zzz")
    actual.schemas.add("aaa")
    assert differences(_catalog(), actual) == [
        "schema aaa: unexpected",
        "schema zzz: unexpected",
        "view app.account_names: missing",
        "table app.accounts: missing",
        "table app.invoices: missing",
    ]
