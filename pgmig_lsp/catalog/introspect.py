"""Read a live database's schema into the `Catalog` model, with catalog queries only.

Safety first, since this may point at production:

- the connection has a ``connect_timeout``; the session's transactions default to read only,
  and the one transaction this module runs is ``BEGIN READ ONLY`` (repeatable read: one
  consistent snapshot of the catalog) with its own ``statement_timeout`` and ``lock_timeout``,
  and an ``idle_in_transaction_session_timeout`` so a stuck client cannot hold it open;
- settings are made with ``SELECT set_config(...)`` and every query is a ``SELECT``
  (`Session.select` refuses anything else);
- errors are `DatabaseError`: one line that says what failed and what to do, with the
  connection string's password masked (never psycopg's exception, whose chain could carry it).

What is read: every schema but ``pg_catalog``, ``information_schema`` and ``pg_*``, and in them
what no extension owns (``pg_depend`` ``deptype = 'e'``). Names, types, defaults and definitions
are spelled as the server prints them (``format_type``, ``pg_get_expr``,
``pg_get_constraintdef``, ``pg_get_indexdef``, ``pg_get_viewdef``, ``pg_get_triggerdef``) with
``search_path`` set to the given path (``public``), so names visible on it are not qualified.
Those functions take ACCESS SHARE on each table (as ``pg_dump`` does): a table that a migration
holds in ACCESS EXCLUSIVE stops the read at ``lock_timeout`` with a `DatabaseError`.
"""

from __future__ import annotations

import math
import re
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
import psycopg.conninfo

from pgmig_lsp.catalog.model import (
    Catalog,
    Column,
    Constraint,
    Function,
    Index,
    Key,
    Policy,
    Space,
    Table,
    TableSize,
    Trigger,
    TypeDef,
)
from pgmig_lsp.catalog.model import Sequence as SequenceDef

#: PostgreSQL made every object with a lower OID at initdb (src/include/access/transam.h)
FIRST_NORMAL_OBJECT_ID = 16384

DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_STATEMENT_TIMEOUT = 5.0
DEFAULT_LOCK_TIMEOUT = 1.0
DEFAULT_IDLE_TIMEOUT = 30.0

_LOCK_NOT_AVAILABLE = "55P03"
_QUERY_CANCELED = "57014"


class DatabaseError(Exception):
    """A live database could not be read; the message is safe to show (no password)."""

    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        #: the server's error code, None when the server was never reached
        self.sqlstate = sqlstate


# -- passwords -------------------------------------------------------------------------------

_KEYWORD_PASSWORD = re.compile(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"(^[a-z][a-z0-9+.-]*://[^:@/?#]*:)([^@/?#]*)(@)", re.IGNORECASE)
_URL_QUERY_PASSWORD = re.compile(r"([?&]password=)([^&#]*)", re.IGNORECASE)
MASK = "***"


def _passwords(dsn: str) -> list[str]:
    """The password of ``dsn`` in every form it may be echoed in (raw, URL-decoded)."""
    found = [m.group(2) for m in _URL_PASSWORD.finditer(dsn)]
    found += [m.group(2) for m in _URL_QUERY_PASSWORD.finditer(dsn)]
    found += [m.group(2).strip("'") for m in _KEYWORD_PASSWORD.finditer(dsn)]
    try:
        parsed = psycopg.conninfo.conninfo_to_dict(dsn).get("password")
    except psycopg.Error:
        parsed = None
    if parsed:
        found.append(str(parsed))
    found += [urllib.parse.unquote(p) for p in found]
    # longest first, so a password that contains another is masked whole
    return sorted({p for p in found if p}, key=len, reverse=True)


def mask_password(dsn: str) -> str:
    """``dsn`` with its password replaced by ``***`` (key=value and URL forms)."""
    masked = _URL_PASSWORD.sub(lambda m: m.group(1) + MASK + m.group(3), dsn)
    masked = _URL_QUERY_PASSWORD.sub(lambda m: m.group(1) + MASK, masked)
    return _KEYWORD_PASSWORD.sub(lambda m: m.group(1) + MASK, masked)


def _scrub(text: str, dsn: str) -> str:
    for password in _passwords(dsn):
        text = text.replace(password, MASK)
    return text


def _detail(error: BaseException) -> str:
    """psycopg's message on one line."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return " ".join(lines) or type(error).__name__


def _dsn_is_malformed(dsn: str) -> bool:
    try:
        psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.Error:
        return True
    return False


# -- the session -----------------------------------------------------------------------------


class Session:
    """A read-only session on a live database (see `connect`): ``SELECT`` queries only."""

    def __init__(self, connection: psycopg.Connection[Any], dsn: str) -> None:
        self.connection = connection
        self._dsn = dsn
        #: the connection string as it may be shown
        self.display_dsn = mask_password(dsn)

    def select(self, query: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        """The rows of a ``SELECT`` (or ``WITH ... SELECT``); `DatabaseError` on failure."""
        head = query.lstrip().split(None, 1)[0].upper() if query.strip() else ""
        if head not in ("SELECT", "WITH"):
            raise ValueError(f"only SELECT queries run on a live database, not {head or '...'}")
        try:
            return self.connection.execute(query, params).fetchall()
        except psycopg.Error as error:
            raise self.error(error) from None

    def error(self, error: psycopg.Error, doing: str = "reading the schema of") -> DatabaseError:
        """A `DatabaseError` for ``error``, with what to do next where we know it."""
        sqlstate = getattr(error, "sqlstate", None)
        detail = _scrub(_detail(error), self._dsn)
        hint = ""
        if sqlstate == _QUERY_CANCELED:
            hint = " (statement_timeout reached: the server is busy; retry, or allow more time)"
        elif sqlstate == _LOCK_NOT_AVAILABLE:
            hint = " (lock_timeout reached: something holds a lock, e.g. a migration; retry)"
        return DatabaseError(f"{doing} {self.display_dsn} failed: {detail}{hint}", sqlstate)


def _milliseconds(seconds: float) -> str:
    return f"{max(1, round(seconds * 1000))}ms"


@contextmanager
def connect(
    dsn: str,
    *,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    statement_timeout: float = DEFAULT_STATEMENT_TIMEOUT,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
    search_path: str | None = "public",
) -> Iterator[Session]:
    """A read-only session in one read-only, repeatable-read transaction, rolled back at the end.

    Timeouts are in seconds. ``search_path`` decides which names the server's printing
    functions leave unqualified (None: keep the server's).
    """
    display = mask_password(dsn)
    if _dsn_is_malformed(dsn):
        # where a password cannot be told from what follows it, show none of the string
        shown = "" if display != dsn else f" {dsn}"
        raise DatabaseError(
            f"the connection string{shown} is malformed: use key=value pairs (quote a value "
            "with spaces in single quotes) or a postgresql:// URL"
        )
    try:
        # libpq takes whole seconds, and treats 1 as 2
        connection = psycopg.connect(
            dsn, autocommit=True, connect_timeout=max(2, math.ceil(connect_timeout))
        )
    except psycopg.Error as error:
        raise DatabaseError(
            f"cannot connect to {display}: {_scrub(_detail(error), dsn)} (check the host, port, "
            "database, user and password, and that the server accepts connections)",
            getattr(error, "sqlstate", None),
        ) from None
    session = Session(connection, dsn)
    try:
        try:
            connection.execute(
                "SELECT pg_catalog.set_config('default_transaction_read_only', 'on', false),"
                " pg_catalog.set_config('idle_in_transaction_session_timeout', %s, false)",
                [_milliseconds(idle_timeout)],
            )
            connection.execute("BEGIN TRANSACTION READ ONLY ISOLATION LEVEL REPEATABLE READ")
            connection.execute(
                "SELECT pg_catalog.set_config('statement_timeout', %s, true),"
                " pg_catalog.set_config('lock_timeout', %s, true)",
                [_milliseconds(statement_timeout), _milliseconds(lock_timeout)],
            )
            if search_path is not None:
                connection.execute(
                    "SELECT pg_catalog.set_config('search_path', %s, true)", [search_path]
                )
        except psycopg.Error as error:
            raise session.error(error, "starting a read-only transaction on") from None
        yield session
    finally:
        connection.close()


# -- queries ---------------------------------------------------------------------------------

#: a namespace alias ``n`` that is neither a system schema nor a temporary one
_USER_SCHEMA = "n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'"


def _not_extension_member(catalog: str, oid: str) -> str:
    return (
        "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e"
        f" WHERE e.classid = 'pg_catalog.{catalog}'::pg_catalog.regclass AND e.objid = {oid}"
        " AND e.deptype = 'e')"
    )


_SCHEMAS_SQL = f"""
SELECT n.nspname FROM pg_catalog.pg_namespace n
WHERE {_USER_SCHEMA} AND {_not_extension_member("pg_namespace", "n.oid")}
ORDER BY n.nspname
"""

_EXTENSIONS_SQL = f"""
SELECT x.extname FROM pg_catalog.pg_extension x
WHERE x.oid >= {FIRST_NORMAL_OBJECT_ID}
ORDER BY x.extname
"""

_RELATIONS_SQL = f"""
SELECT c.oid, n.nspname, c.relname, c.relkind::text, c.relrowsecurity, c.relforcerowsecurity,
       c.relispopulated, c.reltuples::float8,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid) END,
       d.description
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_description d
  ON d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objoid = c.oid
 AND d.objsubid = 0
WHERE c.relkind IN ('r', 'p', 'v', 'm') AND {_USER_SCHEMA}
  AND {_not_extension_member("pg_class", "c.oid")}
ORDER BY n.nspname, c.relname
"""

_COLUMNS_SQL = """
SELECT a.attrelid, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), a.attidentity::text, a.attgenerated::text,
       d.description
FROM pg_catalog.pg_attribute a
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_catalog.pg_description d
  ON d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objoid = a.attrelid
 AND d.objsubid = a.attnum
WHERE a.attrelid = ANY(%s::pg_catalog.oid[]) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"""


def _attnames(numbers: str, relation: str) -> str:
    """SQL for the column names of an attnum array, in order (NULL for 0: an expression)."""
    return (
        "ARRAY(SELECT a.attname::text FROM pg_catalog.unnest("
        f"{numbers}) WITH ORDINALITY k(num, ord)"
        f" LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = {relation} AND a.attnum = k.num"
        " ORDER BY k.ord)"
    )


_CONSTRAINTS_SQL = f"""
SELECT con.conrelid, con.conname, con.contype::text, con.convalidated,
       pg_catalog.pg_get_constraintdef(con.oid),
       {_attnames("con.conkey", "con.conrelid")},
       rn.nspname, rc.relname,
       {_attnames("con.confkey", "con.confrelid")},
       con.confdeltype::text, con.confupdtype::text
FROM pg_catalog.pg_constraint con
LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
WHERE con.conrelid = ANY(%s::pg_catalog.oid[]) AND con.contype IN ('p', 'u', 'f', 'c', 'x')
ORDER BY con.conrelid, con.conname
"""

_INDEXES_SQL = """
SELECT i.indrelid, n.nspname, ic.relname, i.indisunique, i.indpred IS NOT NULL, am.amname,
       pg_catalog.pg_get_indexdef(i.indexrelid),
       ARRAY(SELECT a.attname::text FROM pg_catalog.unnest(i.indkey::pg_catalog.int2[])
             WITH ORDINALITY k(num, ord)
             LEFT JOIN pg_catalog.pg_attribute a
               ON a.attrelid = i.indrelid AND a.attnum = k.num AND k.num > 0
             WHERE k.ord <= i.indnkeyatts ORDER BY k.ord)
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
WHERE i.indrelid = ANY(%s::pg_catalog.oid[])
ORDER BY i.indrelid, i.indexrelid
"""

_TYPE_KINDS = {
    "e": "enum",
    "c": "composite",
    "d": "domain",
    "r": "range",
    "m": "multirange",
    "b": "base",
}

_TYPES_SQL = f"""
SELECT t.oid, n.nspname, t.typname, t.typtype::text,
       CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END,
       t.typrelid
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE {_USER_SCHEMA} AND t.typisdefined AND t.typtype IN ('e', 'c', 'd', 'r', 'm', 'b')
  AND {_not_extension_member("pg_type", "t.oid")}
  -- a table's row type is the table's; only CREATE TYPE ... AS (...) makes a composite
  AND (t.typrelid = 0 OR EXISTS (SELECT 1 FROM pg_catalog.pg_class c
                                 WHERE c.oid = t.typrelid AND c.relkind = 'c'))
  -- array types come with their element type
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type e WHERE e.typarray = t.oid)
ORDER BY n.nspname, t.typname
"""

_ENUM_VALUES_SQL = """
SELECT e.enumtypid, e.enumlabel FROM pg_catalog.pg_enum e
WHERE e.enumtypid = ANY(%s::pg_catalog.oid[])
ORDER BY e.enumtypid, e.enumsortorder
"""

_ATTRIBUTES_SQL = """
SELECT a.attrelid, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod)
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = ANY(%s::pg_catalog.oid[]) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"""

_FUNCTIONS_SQL = f"""
SELECT n.nspname, p.proname, p.prokind::text,
       ARRAY(SELECT pg_catalog.format_type(t.typ, NULL)
             FROM pg_catalog.unnest(p.proargtypes::pg_catalog.oid[]) WITH ORDINALITY t(typ, ord)
             ORDER BY t.ord),
       pg_catalog.pg_get_function_result(p.oid), p.provolatile::text, l.lanname
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
JOIN pg_catalog.pg_language l ON l.oid = p.prolang
WHERE {_USER_SCHEMA} AND {_not_extension_member("pg_proc", "p.oid")}
ORDER BY n.nspname, p.proname, p.oid
"""

_TRIGGERS_SQL = """
SELECT tg.tgrelid, tg.tgname, tg.tgfoid::pg_catalog.regproc::text, tg.tgtype::integer,
       pg_catalog.pg_get_triggerdef(tg.oid)
FROM pg_catalog.pg_trigger tg
WHERE tg.tgrelid = ANY(%s::pg_catalog.oid[]) AND NOT tg.tgisinternal
ORDER BY tg.tgrelid, tg.tgname
"""

_POLICIES_SQL = """
SELECT pol.polrelid, pol.polname, pol.polcmd::text, pol.polpermissive,
       ARRAY(SELECT CASE WHEN r.role = 0 THEN 'public'
                         ELSE pg_catalog.pg_get_userbyid(r.role)::text END AS name
             FROM pg_catalog.unnest(pol.polroles) r(role) ORDER BY name),
       pg_catalog.pg_get_expr(pol.polqual, pol.polrelid),
       pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid)
FROM pg_catalog.pg_policy pol
WHERE pol.polrelid = ANY(%s::pg_catalog.oid[])
ORDER BY pol.polrelid, pol.polname
"""

# identity columns' sequences (deptype 'i') belong to their column, as in pg_dump
_SEQUENCES_SQL = f"""
SELECT n.nspname, c.relname, pg_catalog.format_type(s.seqtypid, NULL),
       tn.nspname, tc.relname, ta.attname
FROM pg_catalog.pg_sequence s
JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_depend d
  ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
 AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype = 'a'
LEFT JOIN pg_catalog.pg_class tc ON tc.oid = d.refobjid
LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace
LEFT JOIN pg_catalog.pg_attribute ta ON ta.attrelid = d.refobjid AND ta.attnum = d.refobjsubid
WHERE {_USER_SCHEMA} AND {_not_extension_member("pg_class", "c.oid")}
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend i
                  WHERE i.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                    AND i.objid = c.oid AND i.deptype = 'i')
ORDER BY n.nspname, c.relname
"""

# last, and allowed to fail: a lock taken since the queries above makes it wait
_SIZES_SQL = """
SELECT c.oid, pg_catalog.pg_total_relation_size(c.oid)
FROM pg_catalog.pg_class c
WHERE c.oid = ANY(%s::pg_catalog.oid[]) AND c.relkind IN ('r', 'p', 'm')
"""

_SEARCH_PATH_SQL = "SELECT pg_catalog.current_schemas(false)::text[]"

_FK_ACTIONS = {
    "a": "NO ACTION",
    "r": "RESTRICT",
    "c": "CASCADE",
    "n": "SET NULL",
    "d": "SET DEFAULT",
}

_TABLE_KINDS = {"r": "table", "p": "table", "v": "view", "m": "matview"}

_POLICY_COMMANDS = {"*": "ALL", "r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE"}

# pg_trigger.tgtype bits (src/include/catalog/pg_trigger.h)
_TRIGGER_ROW, _TRIGGER_BEFORE, _TRIGGER_INSTEAD = 1, 2, 64
_TRIGGER_EVENTS = ((4, "INSERT"), (16, "UPDATE"), (8, "DELETE"), (32, "TRUNCATE"))


def _trigger_timing(tgtype: int) -> str:
    if tgtype & _TRIGGER_INSTEAD:
        return "INSTEAD OF"
    return "BEFORE" if tgtype & _TRIGGER_BEFORE else "AFTER"


def read_catalog(session: Session) -> Catalog:
    """The schema the session's database holds, as a complete `Catalog`."""
    select = session.select
    tables: dict[Key, Table] = {}
    by_oid: dict[int, Table] = {}
    for row in select(_RELATIONS_SQL):
        oid, schema, name, relkind, rls, forced, populated, reltuples, viewdef, comment = row
        kind = _TABLE_KINDS[relkind]
        table = Table(
            schema,
            name,
            kind=kind,
            rls_enabled=rls,
            rls_forced=forced,
            unpopulated=kind == "matview" and not populated,
            definition=viewdef,
            comment=comment,
            size=None
            if kind == "view"
            else TableSize(rows=None if reltuples < 0 else round(reltuples)),
        )
        tables[table.key] = by_oid[oid] = table
    oids = list(by_oid)

    for relid, name, type_, not_null, default, identity, generated, comment in select(
        _COLUMNS_SQL, [oids]
    ):
        by_oid[relid].columns[name] = Column(
            name,
            type_,
            not_null=not_null,
            default=None if generated else default,
            identity=identity or None,
            generated=bool(generated),
            comment=comment,
            generation_expression=default if generated else None,
        )

    for row in select(_CONSTRAINTS_SQL, [oids]):
        relid, name, contype, validated, definition, columns, ref_schema, ref_name = row[:8]
        ref_columns, on_delete, on_update = row[8:]
        foreign = contype == "f"
        by_oid[relid].constraints[name] = Constraint(
            name,
            contype,
            columns=tuple(c for c in columns if c is not None),
            references=(ref_schema, ref_name) if foreign else None,
            referenced_columns=tuple(ref_columns) if foreign else (),
            validated=validated,
            definition=definition,
            on_delete=_FK_ACTIONS.get(on_delete) if foreign else None,
            on_update=_FK_ACTIONS.get(on_update) if foreign else None,
        )

    indexes: dict[Key, Index] = {}
    for relid, schema, name, unique, partial, method, definition, columns in select(
        _INDEXES_SQL, [oids]
    ):
        indexes[(schema, name)] = Index(
            schema,
            name,
            by_oid[relid].key,
            columns=tuple(columns),
            unique=unique,
            partial=partial,
            method=method,
            definition=definition,
        )

    for relid, name, function, tgtype, definition in select(_TRIGGERS_SQL, [oids]):
        by_oid[relid].triggers[name] = Trigger(
            name,
            function,
            timing=_trigger_timing(tgtype),
            events=tuple(event for bit, event in _TRIGGER_EVENTS if tgtype & bit),
            for_each_row=bool(tgtype & _TRIGGER_ROW),
            definition=definition,
        )

    for relid, name, command, permissive, roles, using, check in select(_POLICIES_SQL, [oids]):
        by_oid[relid].policies[name] = Policy(
            name,
            command=_POLICY_COMMANDS.get(command, command),
            permissive=permissive,
            roles=tuple(roles),
            using=using,
            check=check,
        )

    catalog = Catalog(
        schemas={row[0] for row in select(_SCHEMAS_SQL)},
        tables=tables,
        extensions={row[0] for row in select(_EXTENSIONS_SQL)},
        search_path=tuple(select(_SEARCH_PATH_SQL)[0][0]),
        complete=True,
    )
    for key, index in indexes.items():
        catalog.put_index(key, index)
    catalog.types = _read_types(session)
    catalog.functions = _read_functions(session)
    catalog.sequences = _read_sequences(session)
    _read_sizes(session, by_oid)
    return catalog


def _read_types(session: Session) -> Space[TypeDef]:
    types: Space[TypeDef] = Space()
    by_oid: dict[int, TypeDef] = {}
    composites: dict[int, TypeDef] = {}
    for oid, schema, name, typtype, base_type, typrelid in session.select(_TYPES_SQL):
        typedef = TypeDef(schema, name, _TYPE_KINDS[typtype], base_type=base_type)
        types[(schema, name)] = by_oid[oid] = typedef
        if typtype == "c":
            composites[typrelid] = typedef
    enums = [oid for oid, typedef in by_oid.items() if typedef.kind == "enum"]
    for oid, label in session.select(_ENUM_VALUES_SQL, [enums]):
        by_oid[oid].values.append(label)
    for relid, name, type_ in session.select(_ATTRIBUTES_SQL, [list(composites)]):
        composite = composites[relid]
        composite.attributes = (*composite.attributes, (name, type_))
    return types


def _read_functions(session: Session) -> Space[list[Function]]:
    functions: Space[list[Function]] = Space()
    for schema, name, kind, arguments, returns, volatility, language in session.select(
        _FUNCTIONS_SQL
    ):
        functions.setdefault((schema, name), []).append(
            Function(
                schema,
                name,
                arguments=tuple(arguments),
                returns=returns,
                volatility=volatility,
                language=language,
                kind=kind,
            )
        )
    return functions


def _read_sequences(session: Session) -> Space[SequenceDef]:
    sequences: Space[SequenceDef] = Space()
    for schema, name, data_type, owner_schema, owner, column in session.select(_SEQUENCES_SQL):
        sequences[(schema, name)] = SequenceDef(
            schema,
            name,
            data_type=data_type,
            owned_by=(owner_schema, owner, column) if owner else None,
        )
    return sequences


def _read_sizes(session: Session, by_oid: dict[int, Table]) -> None:
    """Each table's total size; left unknown where a lock or the statement timeout stops it."""
    try:
        rows = session.select(_SIZES_SQL, [list(by_oid)])
    except DatabaseError as error:
        if error.sqlstate in (_LOCK_NOT_AVAILABLE, _QUERY_CANCELED):
            return
        raise
    for oid, total_bytes in rows:
        table = by_oid[oid]
        rows_estimate = table.size.rows if table.size is not None else None
        table.size = TableSize(rows=rows_estimate, total_bytes=total_bytes)


def introspect(
    dsn: str,
    *,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    statement_timeout: float = DEFAULT_STATEMENT_TIMEOUT,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    search_path: str | None = "public",
) -> Catalog:
    """Read the schema of the database at ``dsn`` (see `connect` for the safety settings)."""
    with connect(
        dsn,
        connect_timeout=connect_timeout,
        statement_timeout=statement_timeout,
        lock_timeout=lock_timeout,
        search_path=search_path,
    ) as session:
        return read_catalog(session)
