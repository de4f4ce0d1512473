"""Object-by-object differences between two catalogs, one readable line each.

Used to prove the replay right (a replayed catalog against one read from a real database) and,
later, to report drift. Origins, memos, ``uncertain`` and sizes are never compared. Fields the
model added for live databases (definitions, comments, foreign key actions, policy and trigger
details, ...) are compared only where both sides know them (not None, not empty): a replay
leaves a definition unknown where it cannot print it as the server does (a view, an expression
form `pgmig_lsp.catalog.deparse` does not resolve), and saying so on every object would bury the
differences that matter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from pgmig_lsp.catalog.model import (
    Catalog,
    Column,
    Constraint,
    Function,
    Index,
    Key,
    Policy,
    Sequence,
    Table,
    Trigger,
    TypeDef,
)

_M = TypeVar("_M", Constraint, Trigger, Policy)

_KIND_WORDS = {"table": "table", "view": "view", "matview": "materialized view"}


def _name(key: Key) -> str:
    return f"{key[0]}.{key[1]}"


#: fields that hold a (schema, name) key
_KEY_FIELDS = ("references", "table")


def _show(value: Any, field: str = "") -> str:
    if field in _KEY_FIELDS and isinstance(value, tuple) and len(value) == 2:
        return _name(value)
    if isinstance(value, tuple) and value and all(isinstance(v, str) for v in value):
        return "(" + ", ".join(value) + ")"
    return repr(value)


def _known(value: Any) -> bool:
    return value is not None and value != () and value != []


class _Differences:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, line: str) -> None:
        self.lines.append(line)

    def fields(
        self,
        subject: str,
        expected: object,
        actual: object,
        always: Iterable[str],
        when_known: Iterable[str] = (),
    ) -> None:
        """A line per field that differs (``when_known``: only where both sides know it)."""
        for field in always:
            want, got = getattr(expected, field), getattr(actual, field)
            if want != got:
                self.add(self.line(subject, field, want, got))
        for field in when_known:
            want, got = getattr(expected, field), getattr(actual, field)
            if _known(want) and _known(got) and want != got:
                self.add(self.line(subject, field, want, got))

    @staticmethod
    def line(subject: str, field: str, want: object, got: object) -> str:
        return f"{subject}: {field} expected {_show(want, field)}, found {_show(got, field)}"

    def names(self, what: str, expected: Iterable[str], actual: Iterable[str]) -> None:
        want, got = set(expected), set(actual)
        self.lines.extend(f"{what} {name}: missing" for name in sorted(want - got))
        self.lines.extend(f"{what} {name}: unexpected" for name in sorted(got - want))

    def keyed(
        self, expected: Mapping[Any, Any], actual: Mapping[Any, Any], subject: Any
    ) -> list[Any]:
        """Missing and unexpected keys as lines; the keys both have, sorted."""
        for key in sorted(set(expected) - set(actual)):
            self.add(f"{subject(key, expected[key])}: missing")
        for key in sorted(set(actual) - set(expected)):
            self.add(f"{subject(key, actual[key])}: unexpected")
        return sorted(set(expected) & set(actual))


def differences(expected: Catalog, actual: Catalog) -> list[str]:
    """What ``actual`` has that ``expected`` does not say, and the other way round."""
    out = _Differences()
    out.names("schema", expected.schemas, actual.schemas)
    out.names("extension", expected.extensions, actual.extensions)
    _tables(out, expected.tables, actual.tables)
    _indexes(out, expected.indexes, actual.indexes)
    _types(out, expected.types, actual.types)
    _functions(out, expected.functions, actual.functions)
    _sequences(out, expected.sequences, actual.sequences)
    return out.lines


def _relation(table: Table) -> str:
    return f"{_KIND_WORDS.get(table.kind, table.kind)} {_name(table.key)}"


def _tables(out: _Differences, expected: Mapping[Key, Table], actual: Mapping[Key, Table]) -> None:
    for key in out.keyed(expected, actual, lambda key, table: _relation(table)):
        want, got = expected[key], actual[key]
        subject = _relation(want)
        out.fields(
            subject,
            want,
            got,
            ("kind", "rls_enabled", "rls_forced", "unpopulated"),
            ("definition", "comment"),
        )
        owner = _name(key)
        _columns(out, subject, owner, want.columns, got.columns)
        _members(out, "constraint", owner, want.constraints, got.constraints, _constraint)
        _members(out, "trigger", owner, want.triggers, got.triggers, _trigger)
        _members(out, "policy", owner, want.policies, got.policies, _policy)


def _members(
    out: _Differences,
    what: str,
    owner: str,
    expected: Mapping[str, _M],
    actual: Mapping[str, _M],
    compare: Callable[[_Differences, str, _M, _M], None],
) -> None:
    """A table's constraints, triggers or policies, by name."""
    for name in out.keyed(expected, actual, lambda name, _: f"{what} {name} on {owner}"):
        compare(out, f"{what} {name} on {owner}", expected[name], actual[name])


def _columns(
    out: _Differences,
    subject: str,
    owner: str,
    expected: Mapping[str, Column],
    actual: Mapping[str, Column],
) -> None:
    common = [name for name in expected if name in actual]
    if common != [name for name in actual if name in expected]:
        found = [name for name in actual if name in expected]
        out.add(
            f"{subject}: column order expected {_show(tuple(common))}, found {_show(tuple(found))}"
        )
    for name in expected:
        if name not in actual:
            out.add(f"column {owner}.{name}: missing")
    for name in actual:
        if name not in expected:
            out.add(f"column {owner}.{name}: unexpected")
    for name in common:
        out.fields(
            f"column {owner}.{name}",
            expected[name],
            actual[name],
            ("type", "not_null", "default", "identity", "generated"),
            ("generation_expression", "comment"),
        )


def _constraint(out: _Differences, subject: str, want: Constraint, got: Constraint) -> None:
    out.fields(
        subject,
        want,
        got,
        ("type", "columns", "references", "referenced_columns", "validated"),
        ("definition", "on_delete", "on_update"),
    )


def _trigger(out: _Differences, subject: str, want: Trigger, got: Trigger) -> None:
    out.fields(
        subject, want, got, ("function",), ("timing", "events", "for_each_row", "definition")
    )


def _policy(out: _Differences, subject: str, want: Policy, got: Policy) -> None:
    out.fields(subject, want, got, (), ("command", "permissive", "roles", "using", "check"))


def _indexes(out: _Differences, expected: Mapping[Key, Index], actual: Mapping[Key, Index]) -> None:
    for key in out.keyed(expected, actual, lambda key, _: f"index {_name(key)}"):
        out.fields(
            f"index {_name(key)}",
            expected[key],
            actual[key],
            ("table", "columns", "unique", "partial", "method"),
            ("definition",),
        )


def _types(
    out: _Differences, expected: Mapping[Key, TypeDef], actual: Mapping[Key, TypeDef]
) -> None:
    for key in out.keyed(expected, actual, lambda key, t: f"{t.kind} type {_name(key)}"):
        out.fields(
            f"type {_name(key)}",
            expected[key],
            actual[key],
            ("kind", "values"),
            ("base_type", "attributes"),
        )


def _signature(function: Function) -> str:
    return f"{_name((function.schema, function.name))}({', '.join(function.arguments)})"


def _functions(
    out: _Differences,
    expected: Mapping[Key, list[Function]],
    actual: Mapping[Key, list[Function]],
) -> None:
    def overloads(
        space: Mapping[Key, list[Function]],
    ) -> dict[tuple[Key, tuple[str, ...]], Function]:
        return {(key, f.arguments): f for key, functions in space.items() for f in functions}

    want, got = overloads(expected), overloads(actual)
    for key in out.keyed(want, got, lambda key, f: f"function {_signature(f)}"):
        out.fields(
            f"function {_signature(want[key])}",
            want[key],
            got[key],
            ("returns", "volatility", "language"),
            ("kind",),
        )


def _sequences(
    out: _Differences, expected: Mapping[Key, Sequence], actual: Mapping[Key, Sequence]
) -> None:
    for key in out.keyed(expected, actual, lambda key, _: f"sequence {_name(key)}"):
        out.fields(
            f"sequence {_name(key)}", expected[key], actual[key], (), ("data_type", "owned_by")
        )
