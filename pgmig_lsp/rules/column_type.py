"""column-type-change: `ALTER COLUMN … TYPE` that rewrites the table and rebuilds its indexes."""

from __future__ import annotations

import enum
import re
from typing import NamedTuple

from pgmig_lsp.catalog.builtins import Builtins
from pgmig_lsp.catalog.model import Key
from pgmig_lsp.findings import Severity
from pgmig_lsp.rules.base import Group, Rule, SectionContext
from pgmig_lsp.rules.constraints import (
    alter_commands,
    altered_table,
    pg_major,
    subcommand_span,
    table_label,
)
from pgmig_lsp.sql.nodes import Node, TypeRef, quote_identifier, strings, type_ref
from pgmig_lsp.sql.parse import Statement

#: the precision PostgreSQL keeps when none is given (MAX_TIMESTAMP_PRECISION and kin)
_MAX_PRECISION = 6
#: an interval's precision when its typmod gives fields only (INTERVAL_FULL_PRECISION)
_INTERVAL_FULL_PRECISION = 0xFFFF
#: interval field bits (datetime.h), smallest unit first, with intervaltypmodleastfield's rank
_INTERVAL_FIELDS = ((12, 0), (11, 1), (10, 2), (3, 3), (1, 4), (2, 5))

_TEMPORAL = frozenset(
    {
        "timestamp without time zone",
        "timestamp with time zone",
        "time without time zone",
        "time with time zone",
    }
)
_TIMESTAMPS = frozenset({"timestamp without time zone", "timestamp with time zone"})
#: types whose length coercion PostgreSQL proves a no-op when the limit grows (varchar_support)
_LENGTH_LIMITED = frozenset({"character varying", "bit varying"})

_SPELLING = re.compile(r"(?P<name>[^()\[\]]+?)(?:\((?P<mods>[^()]*)\))?(?P<array>\[\])?")


class ColumnType(NamedTuple):
    """A column type: identifier parts as pglast folds them, typmods, array or not."""

    names: tuple[str, ...]
    modifiers: tuple[int | str, ...]
    array: bool

    @classmethod
    def from_ref(cls, ref: TypeRef) -> ColumnType:
        return cls(ref.names, ref.modifiers, ref.array)

    @classmethod
    def from_catalog(cls, spelling: str) -> ColumnType | None:
        """Read back replay's spelling of a type (``varchar(255)``, ``int4[]``, ``app.status``)."""
        match = _SPELLING.fullmatch(spelling.strip())
        if match is None or spelling == "unknown":
            return None
        modifiers: list[int | str] = []
        for raw in (match["mods"] or "").split(","):
            raw = raw.strip()
            if raw:
                modifiers.append(int(raw) if re.fullmatch(r"-?\d+", raw) else raw)
        return cls(tuple(match["name"].split(".")), tuple(modifiers), bool(match["array"]))


class Verdict(enum.Enum):
    SAFE = "safe"
    REWRITE = "rewrite"
    #: timestamp <-> timestamptz: no rewrite only when the session TimeZone is UTC (PG 12+)
    TIME_ZONE = "time zone"


def _int(value: int | str) -> int | None:
    return value if isinstance(value, int) else None


def _canonical(builtins: Builtins, names: tuple[str, ...]) -> str | None:
    return builtins.canonical_type(names)


def _same_type(builtins: Builtins, old: ColumnType, new: ColumnType) -> bool:
    old_canonical = _canonical(builtins, old.names)
    new_canonical = _canonical(builtins, new.names)
    if old_canonical is not None or new_canonical is not None:
        return old_canonical == new_canonical
    if old.names[-1:] != new.names[-1:]:
        return False
    old_schema = old.names[-2] if len(old.names) > 1 else None
    new_schema = new.names[-2] if len(new.names) > 1 else None
    return old_schema is None or new_schema is None or old_schema == new_schema


def _interval_least_field(mask: int) -> int:
    for bit, rank in _INTERVAL_FIELDS:
        if mask & (1 << bit):
            return rank
    return 0


def _interval_noop(old: tuple[int | str, ...], new: tuple[int | str, ...]) -> bool:
    """PostgreSQL's interval_support: fewer fields and no lost precision is a no-op."""
    new_mask = _int(new[0])
    if new_mask is None:
        return False
    if old:
        old_mask = _int(old[0])
        if old_mask is None:
            return False
        old_least = _interval_least_field(old_mask)
        old_precision = _int(old[1]) if len(old) > 1 else _INTERVAL_FULL_PRECISION
    else:
        old_least, old_precision = 0, _MAX_PRECISION
    new_least = _interval_least_field(new_mask)
    new_precision = _int(new[1]) if len(new) > 1 else _INTERVAL_FULL_PRECISION
    if old_precision is None or new_precision is None:
        return False
    return new_least <= old_least and (
        old_least > 0 or new_precision >= _MAX_PRECISION or new_precision >= old_precision
    )


def _same_type_verdict(canonical: str | None, old: ColumnType, new: ColumnType) -> Verdict:
    """Same base type, new typmods: PostgreSQL's length-coercion support functions."""
    if not new.modifiers or new.modifiers == old.modifiers:
        return Verdict.SAFE
    if old.array:
        return Verdict.REWRITE
    if canonical in _LENGTH_LIMITED:
        old_max, new_max = (
            (_int(old.modifiers[0]) if old.modifiers else None),
            _int(new.modifiers[0]),
        )
        if old_max is not None and new_max is not None and new_max >= old_max:
            return Verdict.SAFE
    elif canonical == "numeric":
        if old.modifiers:
            old_precision, new_precision = _int(old.modifiers[0]), _int(new.modifiers[0])
            old_scale = _int(old.modifiers[1]) if len(old.modifiers) > 1 else 0
            new_scale = _int(new.modifiers[1]) if len(new.modifiers) > 1 else 0
            if (
                old_precision is not None
                and new_precision is not None
                and old_scale == new_scale
                and new_precision >= old_precision
            ):
                return Verdict.SAFE
    elif canonical in _TEMPORAL:
        new_precision = _int(new.modifiers[0])
        old_precision = _int(old.modifiers[0]) if old.modifiers else None
        if new_precision is not None and (
            new_precision >= _MAX_PRECISION
            or (old_precision is not None and new_precision >= old_precision)
        ):
            return Verdict.SAFE
    elif canonical == "interval" and _interval_noop(old.modifiers, new.modifiers):
        return Verdict.SAFE
    return Verdict.REWRITE


def type_change_verdict(builtins: Builtins, old: ColumnType, new: ColumnType) -> Verdict:
    """Whether changing a column from ``old`` to ``new`` rewrites the table (no ``USING``)."""
    same = _same_type(builtins, old, new)
    if old.array or new.array:
        # an array of another element type is always converted element by element
        if old.array and new.array and same:
            return _same_type_verdict(None, old, new)
        return Verdict.REWRITE
    old_canonical = _canonical(builtins, old.names)
    if same:
        return _same_type_verdict(old_canonical, old, new)
    new_canonical = _canonical(builtins, new.names)
    if old_canonical in _TIMESTAMPS and new_canonical in _TIMESTAMPS:
        # the precision part follows the same rule as timestamp(p) -> timestamp(q)
        precision = _same_type_verdict(new_canonical, old._replace(names=new.names), new)
        return Verdict.TIME_ZONE if precision is Verdict.SAFE else Verdict.REWRITE
    if not new.modifiers and builtins.binary_coercible(old.names, new.names):
        return Verdict.SAFE
    return Verdict.REWRITE


def _display(builtins: Builtins, column_type: ColumnType) -> str:
    canonical = _canonical(builtins, column_type.names)
    # a user type as SQL must spell it ("Role_new"); built-in names need no quotes
    name = canonical or ".".join(quote_identifier(part) for part in column_type.names)
    if column_type.modifiers and canonical != "interval":
        name += "(" + ",".join(str(m) for m in column_type.modifiers) + ")"
    return name + ("[]" if column_type.array else "")


def _trivial_using(using: Node | None, column: str, new: TypeRef) -> bool:
    """A ``USING`` that is the column itself, or the column cast to the new type: the same
    conversion as without ``USING``."""
    if using is None:
        return True
    cast = using.get("TypeCast")
    if cast is not None:
        target = type_ref(cast.get("typeName"))
        if target is None or ColumnType.from_ref(target) != ColumnType.from_ref(new):
            return False
        using = cast.get("arg") or {}
    reference = using.get("ColumnRef")
    return reference is not None and strings(reference.get("fields"))[-1:] == (column,)


class ColumnTypeChange(Rule):
    """Flags `ALTER COLUMN … TYPE` that rewrites an existing table.

    ## What it does
    Reports `ALTER TABLE … ALTER COLUMN … TYPE` on a table that this migration did not create,
    unless the change is one PostgreSQL makes without touching the rows: the same type,
    `varchar(n)` to a longer or unlimited `varchar` or to `text`, `text` to `varchar`, more
    `numeric` precision at the same scale, more `timestamp`/`time`/`interval` precision, a
    longer `varbit`, and other binary-coercible pairs (`cidr` to `inet`, …). The old type comes
    from the replayed schema; when it is unknown, the change is reported as one that may
    rewrite. `timestamp` to `timestamptz` is reported too: it rebuilds the column's indexes,
    and rewrites the table unless the session time zone is UTC (PostgreSQL 12+). A `USING`
    expression other than the column itself always rewrites.

    ## Why is this bad?
    A real conversion rewrites every row and rebuilds every index of the table while the
    `ALTER TABLE` holds ACCESS EXCLUSIVE: reads and writes wait for the whole rewrite, which on
    a large table means minutes to hours, and needs twice the disk space meanwhile.

    ## Lock
    ACCESS EXCLUSIVE on the table for the whole rewrite and index rebuild.

    ## Instead
    Add a new column of the new type, write to both (a trigger or the application), backfill it
    in batches, switch readers over, then drop the old column. A `CHECK` constraint added
    `NOT VALID` and validated later can stand in for a shorter `varchar` limit.

    ## Example
    ```sql
    -- migrate:up
    ALTER TABLE orders ALTER COLUMN id TYPE bigint;
    ```
    Use instead:
    ```sql
    -- migrate:up
    ALTER TABLE orders ADD COLUMN id_new bigint;
    -- then: write to both, backfill in batches, swap the columns in a later migration
    ```
    """

    id = "column-type-change"
    group = Group.LOCKING
    severity = Severity.WARNING
    kinds = frozenset({"AlterTableStmt"})
    summary = "ALTER COLUMN TYPE that is not binary-coercible rewrites the table"

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        context = self.context
        key = altered_table(context, statement)
        if key is None:
            return
        for index, cmd in alter_commands(statement):
            if cmd.get("subtype") != "AT_AlterColumnType":
                continue
            coldef = (cmd.get("def") or {}).get("ColumnDef") or {}
            new_ref = type_ref(coldef.get("typeName"))
            if new_ref is None or new_ref.pct_type:
                continue
            message = self._message(key, cmd.get("name", ""), coldef, new_ref)
            if message is not None:
                self.report(
                    section,
                    subcommand_span(statement, section.file.text, index),
                    message,
                    statement=statement,
                )

    def _message(self, key: Key, column: str, coldef: Node, new_ref: TypeRef) -> str | None:
        builtins = self.context.builtins
        label = table_label(key)
        new = ColumnType.from_ref(new_ref)
        shown_new = _display(builtins, new)
        shown_column = quote_identifier(column)
        instead = "Add a new column, write to both, backfill it in batches, then swap the columns"
        if not _trivial_using(coldef.get("raw_default"), column, new_ref):
            return (
                f"`ALTER COLUMN {shown_column} TYPE {shown_new} USING …` rewrites `{label}` (the "
                "`USING` expression is computed for every row) and rebuilds its indexes under an "
                f"ACCESS EXCLUSIVE lock: reads and writes wait for the whole rewrite. {instead}"
            )
        table = self.context.catalog.tables.get(key)
        known = table.columns.get(column) if table is not None else None
        old = ColumnType.from_catalog(known.type) if known is not None else None
        if old is None:
            return (
                f"`ALTER COLUMN {shown_column} TYPE {shown_new}` may rewrite `{label}` and rebuild "
                "its indexes under an ACCESS EXCLUSIVE lock: the column's current type is unknown "
                "here, and only a binary-coercible change (such as `varchar(n)` to `text` or to "
                "a longer `varchar`, or more `numeric` precision) keeps the rows as they are. "
                f"If it is not one, {instead[0].lower()}{instead[1:]}"
            )
        verdict = type_change_verdict(builtins, old, new)
        if verdict is Verdict.SAFE:
            return None
        change = f"`{label}.{shown_column}` from `{_display(builtins, old)}` to `{shown_new}`"
        if verdict is Verdict.TIME_ZONE:
            if pg_major(self.context.pg_version) >= 12:
                return (
                    f"Changing {change} rebuilds the column's indexes under an ACCESS EXCLUSIVE "
                    f"lock, and rewrites `{label}` too unless the session `TimeZone` is UTC "
                    "(PostgreSQL 12+ then keeps the rows and reads the stored values as UTC). "
                    "If the values are UTC, run it after `SET LOCAL TimeZone = 'UTC'`; "
                    f"otherwise {instead[0].lower()}{instead[1:]}"
                )
            return (
                f"Changing {change} rewrites `{label}` and rebuilds its indexes under an ACCESS "
                "EXCLUSIVE lock: reads and writes wait for the whole rewrite (PostgreSQL 12+ "
                f"skips the rewrite when the session `TimeZone` is UTC). {instead}"
            )
        return (
            f"Changing {change} rewrites `{label}` and rebuilds its indexes under an ACCESS "
            "EXCLUSIVE lock: the conversion is not binary-coercible, so reads and writes wait "
            f"for the whole rewrite. {instead}"
        )
