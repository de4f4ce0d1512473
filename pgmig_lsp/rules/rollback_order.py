"""down-order: a down section that fails on replay because it drops things in the wrong order.

Each down statement is checked against the catalog as the down section has left it so far
(PostgreSQL's dependency checks, ``RESTRICT`` being the default): a type still used by a
column, a function still used by a trigger, a table still referenced by another table's foreign
key or read by a view, a schema that still holds objects, an index that backs a constraint.
Only dependencies pgmig knows are checked.
"""

from __future__ import annotations

import re

from pgmig_lsp.catalog.model import Catalog, Constraint, Function, Key, Table
from pgmig_lsp.catalog.replay import type_text_parts
from pgmig_lsp.findings import Severity
from pgmig_lsp.migrations.model import SectionKind
from pgmig_lsp.rules.base import Group, Rule, SectionContext
from pgmig_lsp.rules.drops import (
    alter_table_commands,
    is_table_alter,
    shown,
    subcommand_span,
)
from pgmig_lsp.rules.rollback import origin_statement, section_unparsed
from pgmig_lsp.sql.nodes import Node, QualifiedName, drop_object_names, relation_name, strings, walk
from pgmig_lsp.sql.parse import Statement

_TABLE_DROPS = ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE")
_FUNCTION_DROPS = ("OBJECT_FUNCTION", "OBJECT_PROCEDURE", "OBJECT_ROUTINE")
_MAX_LISTED = 5


def _listing(items: list[str]) -> str:
    text = ", ".join(items[:_MAX_LISTED])
    if len(items) > _MAX_LISTED:
        text += f" and {len(items) - _MAX_LISTED} more"
    return text


def _message(what: str, problems: list[str]) -> str:
    verb = "depends" if len(problems) == 1 else "depend"
    return (
        f"This fails when the rollback runs: PostgreSQL refuses to drop {what} because "
        f"{_listing(problems)} still {verb} on it. Drop the dependants first (move this statement "
        "after them): a down section undoes the up section in reverse order"
    )


def _type_key(catalog: Catalog, type_name: str) -> Key:
    name = QualifiedName.from_parts(type_text_parts(type_name).names)
    return catalog.resolve(name.schema, name.name, catalog.types)  # type: ignore[arg-type]


def _column_types(table: Table) -> str:
    return "\n".join(column.type for column in table.columns.values())


def _function_types(function: Function) -> str:
    return "\n".join((*function.arguments, function.returns or ""))


def _relations_read(body: Node, catalog: Catalog) -> set[Key]:
    """The tables and views a view's query reads (``RangeVar`` nodes)."""
    query = body.get("query") or {}
    keys = set()
    for kind, node in walk(query):
        if kind == "RangeVar":
            name = relation_name(node)
            if name is not None:
                keys.add(catalog.resolve(name.schema, name.name, catalog.tables))  # type: ignore[arg-type]
    return keys


def _column_refs(node: Node | None, table: str, outside_sublinks: bool) -> set[str]:
    """Column names referenced in an expression, unqualified or qualified with ``table``.

    With ``outside_sublinks``, references inside subqueries are skipped unless qualified: an
    unqualified name there may belong to the subquery's own tables.
    """
    found: set[str] = set()
    if not node:
        return found
    stack: list[tuple[object, bool]] = [(node, False)]
    while stack:
        current, inside = stack.pop()
        if isinstance(current, dict):
            for key, value in current.items():
                nested = inside or key == "SubLink"
                if key == "ColumnRef" and isinstance(value, dict):
                    names = strings(value.get("fields"))
                    if len(names) == 1 and not (inside and outside_sublinks):
                        found.add(names[0])
                    elif len(names) >= 2 and names[-2] == table:
                        found.add(names[-1])
                if isinstance(value, (dict, list)):
                    stack.append((value, nested))
        elif isinstance(current, list):
            stack.extend((item, inside) for item in current)
    return found


class DownOrder(Rule):
    """Flags a down section that fails on replay because of the order of its statements.

    ## What it does
    Replays the down section and checks each `DROP` against what still exists at that point:
    `DROP TYPE` while a column or function still uses the type, `DROP FUNCTION` while a trigger
    still calls it, `DROP TABLE` while another table's foreign key references it or a view reads
    it, `DROP COLUMN` while another table's foreign key references it or a policy or view uses
    it, `DROP CONSTRAINT` of a key another table's foreign key needs, `DROP SCHEMA` while it
    still holds objects, `DROP INDEX` of an index that backs a constraint. `CASCADE` statements
    are not checked (see `cascade-drop`). Dropping a column also drops its indexes and the
    table's own constraints on it, so those are fine.

    ## Why is this bad?
    PostgreSQL refuses the statement ("cannot drop … because other objects depend on it") and
    the rollback stops — when it is needed most, in the middle of an incident.

    ## Lock
    None: the statement fails.

    ## Instead
    Drop the dependants first: triggers before their functions, columns (or tables) before their
    types, referencing tables before referenced ones — the reverse order of the up section.

    ## Example
    ```sql
    -- migrate:down
    DROP TYPE task_status;
    DROP TABLE project_tasks;
    ```
    Use instead:
    ```sql
    -- migrate:down
    DROP TABLE project_tasks;
    DROP TYPE task_status;
    ```
    """

    id = "down-order"
    group = Group.ROLLBACK
    severity = Severity.ERROR
    kinds = frozenset({"DropStmt", "AlterTableStmt"})
    summary = "the down section fails because it drops objects before their dependants"

    def begin_section(self, section: SectionContext) -> None:
        #: whether the section parsed, once a check asked (see `resume`)
        self._unparsed: bool | None = None

    def resume(self, section: SectionContext, position: int) -> bool:
        return (
            position == 0
            or self._unparsed is None
            or self._unparsed == section_unparsed(self.context, section.section)
        )

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        if section.kind is not SectionKind.DOWN or statement.in_function:
            return
        if self._unparsed is None:
            self._unparsed = section_unparsed(self.context, section.section)
        if self._unparsed:
            # a statement that did not parse was not replayed (the DROP it held did not happen
            # here): the order is unknown, and syntax-error already stops the rollback
            return
        if statement.kind == "AlterTableStmt":
            self._check_alter(statement, section)
            return
        body = statement.body
        if body.get("behavior") == "DROP_CASCADE":
            return
        remove = body.get("removeType", "")
        names = [QualifiedName.from_parts(parts) for parts in drop_object_names(body)]
        if not names:
            return
        catalog = self.context.catalog
        if remove in _TABLE_DROPS:
            keys = {catalog.resolve(n.schema, n.name, catalog.tables) for n in names}  # type: ignore[arg-type]
            problems = self._table_dependants(keys)
            what = "table"
        elif remove in ("OBJECT_TYPE", "OBJECT_DOMAIN"):
            keys = {catalog.resolve(n.schema, n.name, catalog.types) for n in names}  # type: ignore[arg-type]
            problems = self._type_dependants(keys)
            what = "type"
        elif remove in _FUNCTION_DROPS:
            keys = set()
            for obj in body.get("objects", []) or []:
                signature = obj.get("ObjectWithArgs") if isinstance(obj, dict) else None
                if not signature or signature.get("objargs"):
                    continue  # trigger functions take no arguments
                name = QualifiedName.from_parts(strings(signature.get("objname")))
                keys.add(catalog.resolve(name.schema, name.name, catalog.functions))  # type: ignore[arg-type]
            problems = self._function_dependants(keys)
            what = "function"
        elif remove == "OBJECT_SCHEMA":
            problems = self._schema_contents({n.name for n in names})
            what = "schema"
        elif remove == "OBJECT_INDEX":
            keys = {catalog.resolve(n.schema, n.name, catalog.indexes) for n in names}  # type: ignore[arg-type]
            problems = self._index_owners(keys)
            what = "index"
        else:
            return
        if not problems:
            return
        dropped = ", ".join(f"`{n}`" for n in names)
        if what == "index":
            message = (
                "This fails when the rollback runs: PostgreSQL refuses to drop the index "
                f"{dropped} because {_listing(problems)} owns it. Drop the constraint instead "
                "(`ALTER TABLE … DROP CONSTRAINT`): that drops its index too"
            )
        else:
            message = _message(f"the {what} {dropped}", problems)
        self.report(section, statement.span, message, statement=statement)

    # -- DROP TABLE / TYPE / FUNCTION / SCHEMA / INDEX -----------------------------------

    def _table_dependants(self, keys: set[Key]) -> list[str]:
        catalog = self.context.catalog
        problems = []
        referencing = {
            table.key: table for key in keys for table in catalog.referencing_tables(key)
        }
        views = {view.key: view for view in catalog.views() if view.key not in keys}
        # in the catalog's order, as the schema lists them
        for table_key in (
            catalog.tables if len(referencing) + len(views) > 1 else (*referencing, *views)
        ):
            if table_key in keys:
                continue
            table = referencing.get(table_key)
            if table is not None:
                for constraint in table.constraints.values():
                    if constraint.type == "f" and constraint.references in keys:
                        problems.append(
                            f"the foreign key `{constraint.name}` of `{shown(table.key)}` "
                            f"(to `{shown(constraint.references)}`)"
                        )
            view = views.get(table_key)
            if view is not None:
                statement = origin_statement(self.context, view.origin)
                if statement is not None and _relations_read(statement.body, catalog) & keys:
                    problems.append(f"the view `{shown(view.key)}`")
        return problems

    def _type_dependants(self, keys: set[Key]) -> list[str]:
        catalog = self.context.catalog
        problems = []
        # a cheap text test first: most tables and functions cannot use these types
        may_use = re.compile("|".join(sorted(re.escape(key[1]) for key in keys))).search

        for table in catalog.tables.values():
            if not may_use(catalog.derived(table, "column types", _column_types)):
                continue
            for column in table.columns.values():
                if not may_use(column.type):
                    continue
                if column.type != "unknown" and _type_key(catalog, column.type) in keys:
                    problems.append(f"the column `{shown(table.key)}.{column.name}`")
        for key, overloads in catalog.functions.items():
            for function in overloads:
                if not may_use(catalog.derived(function, "types", _function_types)):
                    continue
                types = [*function.arguments, function.returns or ""]
                if any(t and may_use(t) and _type_key(catalog, t) in keys for t in types):
                    problems.append(f"the function `{shown(key)}`")
                    break
        return problems

    def _function_dependants(self, keys: set[Key]) -> list[str]:
        catalog = self.context.catalog
        problems = []
        for table in catalog.tables.values():
            for trigger in table.triggers.values():
                if not trigger.function:
                    continue
                name = QualifiedName.from_parts(tuple(trigger.function.split(".")))
                if catalog.resolve(name.schema, name.name, catalog.functions) in keys:  # type: ignore[arg-type]
                    problems.append(f"the trigger `{trigger.name}` on `{shown(table.key)}`")
        return problems

    def _schema_contents(self, schemas: set[str]) -> list[str]:
        catalog = self.context.catalog
        problems: list[str] = []
        spaces: list[tuple[str, dict[Key, object]]] = [
            ("table", catalog.tables),  # type: ignore[list-item]
            ("type", catalog.types),  # type: ignore[list-item]
            ("function", catalog.functions),  # type: ignore[list-item]
            ("sequence", catalog.sequences),  # type: ignore[list-item]
        ]
        for word, space in spaces:
            problems.extend(f"the {word} `{key[0]}.{key[1]}`" for key in space if key[0] in schemas)
        return problems

    def _index_owners(self, keys: set[Key]) -> list[str]:
        catalog = self.context.catalog
        problems = []
        for key in keys:
            index = catalog.indexes.get(key)
            table = catalog.tables.get(index.table) if index is not None else None
            if index is None or table is None:
                continue
            constraint = table.constraints.get(index.name)
            if constraint is not None and constraint.type in ("p", "u", "x"):
                problems.append(f"the constraint `{constraint.name}` of `{shown(table.key)}`")
        return problems

    # -- ALTER TABLE … DROP COLUMN / DROP CONSTRAINT -------------------------------------

    def _check_alter(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        if not is_table_alter(body):
            return
        key = self.context.table_key(body.get("relation"))
        if key is None:
            return
        table = self.context.catalog.tables.get(key)
        for index, cmd in alter_table_commands(body):
            if cmd.get("behavior") == "DROP_CASCADE":
                continue
            subtype = cmd.get("subtype")
            name = cmd.get("name", "")
            if not name:
                continue
            if subtype == "AT_DropColumn":
                problems = self._column_dependants(key, table, name)
                what = f"the column `{shown(key)}.{name}`"
            elif subtype == "AT_DropConstraint" and table is not None:
                constraint = table.constraints.get(name)
                problems = self._key_dependants(table, constraint) if constraint else []
                what = f"the constraint `{name}` of `{shown(key)}`"
            else:
                continue
            if problems:
                self.report(
                    section,
                    subcommand_span(statement, section, index),
                    _message(what, problems),
                    statement=statement,
                )

    def _foreign_keys_to(
        self, key: Key, columns: tuple[str, ...] | None, exact: bool = False
    ) -> list[str]:
        """Foreign keys of other tables to ``key`` whose referenced columns include ``columns``
        (``exact``: are ``columns``; None: the primary key, written without columns)."""
        problems = []
        for other in self.context.catalog.referencing_tables(key):
            for constraint in other.constraints.values():
                if constraint.type != "f" or constraint.references != key:
                    continue
                referenced = constraint.referenced_columns
                if columns is None:
                    depends = not referenced
                elif exact:
                    depends = set(columns) == set(referenced)
                else:
                    depends = bool(set(columns) & set(referenced))
                if depends:
                    problems.append(f"the foreign key `{constraint.name}` of `{shown(other.key)}`")
        return problems

    def _column_dependants(self, key: Key, table: Table | None, column: str) -> list[str]:
        problems = self._foreign_keys_to(key, (column,))
        if table is None:
            return problems
        primary = next((c for c in table.constraints.values() if c.type == "p"), None)
        if primary is not None and column in primary.columns:
            problems.extend(self._foreign_keys_to(key, None))
        for policy in table.policies.values():
            statement = origin_statement(self.context, policy.origin)
            if statement is None:
                continue
            body = statement.body
            used = _column_refs(body.get("qual"), table.name, True) | _column_refs(
                body.get("with_check"), table.name, True
            )
            if column in used:
                problems.append(f"the policy `{policy.name}` on `{shown(key)}`")
        catalog = self.context.catalog
        for view in catalog.views():
            statement = origin_statement(self.context, view.origin)
            if statement is None:
                continue
            query = statement.body.get("query") or {}
            relations = [node for kind, node in walk(query) if kind == "RangeVar"]
            if len(relations) != 1:
                continue  # which table an unqualified name belongs to is not clear
            if _relations_read(statement.body, catalog) != {key}:
                continue
            if column in _column_refs(query, table.name, False):
                problems.append(f"the view `{shown(view.key)}`")
        return problems

    def _key_dependants(self, table: Table, constraint: Constraint) -> list[str]:
        if constraint.type == "p":
            return self._foreign_keys_to(table.key, None) + self._foreign_keys_to(
                table.key, constraint.columns, exact=True
            )
        if constraint.type == "u":
            return self._foreign_keys_to(table.key, constraint.columns, exact=True)
        return []
