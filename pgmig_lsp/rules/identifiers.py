"""identifier-too-long: names over 63 bytes, which PostgreSQL silently truncates."""

from __future__ import annotations

from collections.abc import Iterator

from pglast import parser as pg

from pgmig_lsp.findings import Severity
from pgmig_lsp.rules.base import Group, Rule, SectionContext
from pgmig_lsp.source import Span
from pgmig_lsp.sql.nodes import Node, strings
from pgmig_lsp.sql.parse import Statement

#: NAMEDATALEN - 1: the longest identifier PostgreSQL keeps, in bytes
MAX_IDENTIFIER_BYTES = 63

# a truncated name is cut at a character boundary: at least 60 bytes remain (UTF-8 is at most
# 4 bytes a character), so shorter names cannot have been truncated
_SUSPECT_BYTES = MAX_IDENTIFIER_BYTES - 3

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def truncated(name: str) -> str:
    """The name PostgreSQL keeps: the first 63 bytes, cut at a character boundary."""
    return name.encode()[:MAX_IDENTIFIER_BYTES].decode(errors="ignore")


def _column_names(elements: list[Node] | None) -> Iterator[tuple[str, str]]:
    for element in elements or []:
        column = element.get("ColumnDef")
        if column is not None:
            yield "column", column.get("colname") or ""
            yield from _constraint_names(column.get("constraints"))
        elif "Constraint" in element:
            yield from _constraint_names([element])


def _constraint_names(constraints: list[Node] | None) -> Iterator[tuple[str, str]]:
    for item in constraints or []:
        name = (item.get("Constraint") or {}).get("conname")
        if name:
            yield "constraint", name


def _relation(rangevar: Node | None, what: str) -> Iterator[tuple[str, str]]:
    if rangevar:
        yield what, rangevar.get("relname") or ""
        if rangevar.get("schemaname"):
            yield "schema", rangevar["schemaname"]


def created_names(statement: Statement) -> Iterator[tuple[str, str]]:
    """``(what, name)`` of every name a statement creates (as the parser kept it)."""
    kind = statement.kind
    body = statement.body
    if kind == "CreateStmt":
        yield from _relation(body.get("relation"), "table")
        yield from _column_names(body.get("tableElts"))
    elif kind == "AlterTableStmt":
        for item in body.get("cmds", []) or []:
            cmd = item.get("AlterTableCmd") or {}
            definition = cmd.get("def") or {}
            if cmd.get("subtype") == "AT_AddColumn" or "Constraint" in definition:
                yield from _column_names([definition])
    elif kind == "IndexStmt":
        if body.get("idxname"):
            yield "index", body["idxname"]
    elif kind in ("CreateEnumStmt", "CreateDomainStmt"):
        names = strings(body.get("typeName" if kind == "CreateEnumStmt" else "domainname"))
        if names:
            yield "type", names[-1]
        yield from _constraint_names(body.get("constraints"))
    elif kind == "CompositeTypeStmt":
        yield from _relation(body.get("typevar"), "type")
        yield from _column_names(body.get("coldeflist"))
    elif kind == "CreateFunctionStmt":
        names = strings(body.get("funcname"))
        if names:
            yield "procedure" if body.get("is_procedure") else "function", names[-1]
        for parameter in body.get("parameters", []) or []:
            name = (parameter.get("FunctionParameter") or {}).get("name")
            if name:
                yield "parameter", name
    elif kind == "CreatePolicyStmt":
        yield "policy", body.get("policy_name") or ""
    elif kind == "CreateTrigStmt":
        yield "trigger", body.get("trigname") or ""
    elif kind == "CreateSchemaStmt":
        yield "schema", body.get("schemaname") or ""
    elif kind == "CreateSeqStmt":
        yield from _relation(body.get("sequence"), "sequence")
    elif kind == "ViewStmt":
        yield from _relation(body.get("view"), "view")
        for name in strings(body.get("aliases")):
            yield "column", name
    elif kind == "CreateTableAsStmt":
        into = body.get("into") or {}
        what = "materialized view" if body.get("objtype") == "OBJECT_MATVIEW" else "table"
        yield from _relation(into.get("rel"), what)
        for name in strings(into.get("colNames")):
            yield "column", name
    elif kind == "RenameStmt":
        yield "name", body.get("newname") or ""


def _identifier_value(text: str, token: pg.Token) -> str | None:
    raw = text[token.start : token.end + 1]
    if token.name != "IDENT":
        return None
    if raw.startswith('"'):
        return raw[1:-1].replace('""', '"')
    return raw.translate(_ASCII_LOWER)


class IdentifierTooLong(Rule):
    """Flags names over 63 bytes, which PostgreSQL silently truncates.

    ## What it does
    Reports a table, column, index, constraint, type, function, policy, trigger, schema,
    sequence or view name (or a new name given by `RENAME`) longer than 63 bytes of UTF-8.

    ## Why is this bad?
    PostgreSQL keeps the first 63 bytes of an identifier and drops the rest with only a
    notice. The object gets a different name than the migration says: two names that share
    their first 63 bytes collide (`relation already exists`), and tools, ORMs, schema diffs and
    later migrations that compare names see a mismatch. Non-ASCII letters take 2–4 bytes each,
    so the limit comes sooner than 63 characters.

    ## Lock
    None of its own.

    ## Instead
    Use a name of 63 bytes or fewer: abbreviate words, drop the schema or table name from an
    index or constraint name.

    ## Example
    ```sql
    CREATE INDEX idx_customer_subscription_renewal_reminders_scheduled_for_delivery_at
      ON customer_subscription_renewal_reminders (scheduled_for_delivery_at);
    ```
    Use instead:
    ```sql
    CREATE INDEX idx_renewal_reminders_scheduled_at
      ON customer_subscription_renewal_reminders (scheduled_for_delivery_at);
    ```
    """

    id = "identifier-too-long"
    group = Group.CORRECTNESS
    severity = Severity.WARNING
    kinds = frozenset(
        {
            "CreateStmt",
            "AlterTableStmt",
            "IndexStmt",
            "CreateEnumStmt",
            "CreateDomainStmt",
            "CompositeTypeStmt",
            "CreateFunctionStmt",
            "CreatePolicyStmt",
            "CreateTrigStmt",
            "CreateSchemaStmt",
            "CreateSeqStmt",
            "ViewStmt",
            "CreateTableAsStmt",
            "RenameStmt",
        }
    )
    summary = "identifier over 63 bytes: PostgreSQL silently truncates it"

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        # the parser has already truncated the names: a kept name of 60+ bytes may have been cut
        suspects: dict[str, str] = {}
        for what, name in created_names(statement):
            if len(name) * 4 >= _SUSPECT_BYTES and len(name.encode()) >= _SUSPECT_BYTES:
                suspects.setdefault(name, what)
        if not suspects:
            return
        text = section.file.text
        start = statement.span.start
        chunk = text[start : statement.span.end]
        try:
            tokens = pg.scan(chunk)
        except pg.ParseError:
            return
        for token in tokens:
            value = _identifier_value(chunk, token)
            if value is None:
                continue
            size = len(value.encode())
            if size <= MAX_IDENTIFIER_BYTES:
                continue
            kept = truncated(value)
            if kept not in suspects:
                continue
            what = suspects.pop(kept)
            self.report(
                section,
                Span(start + token.start, start + token.end + 1),
                f"this {what} name is {size} bytes: PostgreSQL silently truncates identifiers to "
                f"{MAX_IDENTIFIER_BYTES} bytes, so it is created as `{kept}`; names sharing "
                "those first bytes collide, and tools comparing names see a mismatch. Use a "
                f"name of at most {MAX_IDENTIFIER_BYTES} bytes",
                statement=statement,
            )
            if not suspects:
                return
