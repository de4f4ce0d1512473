"""trigger-on-existing-table: creating, dropping or switching a trigger on a live table."""

from __future__ import annotations

from pgmig_lsp.findings import Severity
from pgmig_lsp.locks import display_name
from pgmig_lsp.rules.base import Group, Rule, SectionContext
from pgmig_lsp.sql.nodes import Node, QualifiedName, strings
from pgmig_lsp.sql.parse import Statement
from pgmig_lsp.sql.spans import subcommand_spans

#: ALTER TABLE sub-commands that switch triggers, with their SQL
_SWITCHES = {
    "AT_EnableTrig": "ENABLE TRIGGER",
    "AT_EnableAlwaysTrig": "ENABLE ALWAYS TRIGGER",
    "AT_EnableReplicaTrig": "ENABLE REPLICA TRIGGER",
    "AT_EnableTrigAll": "ENABLE TRIGGER ALL",
    "AT_EnableTrigUser": "ENABLE TRIGGER USER",
    "AT_DisableTrig": "DISABLE TRIGGER",
    "AT_DisableTrigAll": "DISABLE TRIGGER ALL",
    "AT_DisableTrigUser": "DISABLE TRIGGER USER",
}


class TriggerOnExistingTable(Rule):
    """Flags `CREATE`/`DROP TRIGGER` and `ENABLE`/`DISABLE TRIGGER` on an existing table.

    ## What it does
    Reports trigger changes on a table that existed before the migration: `CREATE [OR REPLACE]
    TRIGGER`, `DROP TRIGGER`, and `ALTER TABLE … ENABLE/DISABLE TRIGGER`.

    ## Why is this bad?
    Creating, enabling or disabling a trigger takes a SHARE ROW EXCLUSIVE lock (writes wait);
    dropping one takes ACCESS EXCLUSIVE (reads wait too). A new trigger adds work to every
    matching write of a table that running code already uses, and a disabled or dropped one
    silently stops behaviour that code may rely on (audit rows, `updated_at` stamps), including
    for writes made while a deploy is half done.

    ## Lock
    SHARE ROW EXCLUSIVE for `CREATE TRIGGER` and `ENABLE/DISABLE TRIGGER`, ACCESS EXCLUSIVE for
    `DROP TRIGGER`.

    ## Instead
    Run the change in a low-traffic window with a `lock_timeout`, and make sure the code that
    runs during the deploy works with and without the trigger.

    ## Example
    ```sql
    -- migrate:up
    CREATE TRIGGER tr_app_user_audit
      AFTER INSERT OR UPDATE OR DELETE ON app_user
      FOR EACH ROW EXECUTE FUNCTION audit.create_audit_trail();
    ```
    Use instead:
    ```sql
    -- migrate:up
    -- run in a low-traffic window
    SET LOCAL lock_timeout = '2s';
    CREATE TRIGGER tr_app_user_audit
      AFTER INSERT OR UPDATE OR DELETE ON app_user
      FOR EACH ROW EXECUTE FUNCTION audit.create_audit_trail();
    ```
    """

    id = "trigger-on-existing-table"
    group = Group.LOCKING
    severity = Severity.INFO
    kinds = frozenset({"CreateTrigStmt", "DropStmt", "AlterTableStmt"})
    summary = "trigger changes on an existing table lock it and change what every write does"

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        if statement.in_function:
            return
        kind = statement.kind
        if kind == "CreateTrigStmt":
            self._create(statement, section)
        elif kind == "DropStmt" and statement.body.get("removeType") == "OBJECT_TRIGGER":
            self._drop(statement, section)
        elif kind == "AlterTableStmt":
            self._switch(statement, section)

    def _name(self, relation: Node | QualifiedName | None) -> str:
        key = self.context.table_key(relation)
        return f"`{display_name(key)}`" if key else "the table"

    def _create(self, statement: Statement, section: SectionContext) -> None:
        relation = statement.body.get("relation")
        if not self.context.existed_before(relation):
            return
        table = self._name(relation)
        message = (
            f"`CREATE TRIGGER` takes a SHARE ROW EXCLUSIVE lock on {table} (writes wait while it "
            "waits and runs), and the trigger then runs on every matching write of a table that "
            "running code already uses: run it in a low-traffic window, with a `lock_timeout`"
        )
        self.report(section, statement.span, message, statement=statement)

    def _drop(self, statement: Statement, section: SectionContext) -> None:
        for obj in statement.body.get("objects") or []:
            parts = strings(obj.get("List", {}).get("items"))
            if len(parts) < 2:
                continue
            relation = QualifiedName.from_parts(parts[:-1])
            if not self.context.existed_before(relation) or self._created_here(
                section, statement, relation, parts[-1]
            ):
                continue
            message = (
                f"`DROP TRIGGER` takes an ACCESS EXCLUSIVE lock on {self._name(relation)} (reads "
                "and writes wait), and writes stop running the trigger while code deployed with "
                "it may still rely on it: run it in a low-traffic window, with a `lock_timeout`"
            )
            self.report(section, statement.span, message, statement=statement)
            return

    def _created_here(
        self, section: SectionContext, statement: Statement, relation: QualifiedName, trigger: str
    ) -> bool:
        """The trigger was created by this migration (the catalog may not know the table)."""
        context = self.context
        table = context.table(relation)
        found = table.triggers.get(trigger) if table else None
        if found is not None and found.origin is not None:
            return found.origin.migration == str(context.migration.path)
        key = context.table_key(relation)
        return any(
            earlier.kind == "CreateTrigStmt"
            and earlier.body.get("trigname") == trigger
            and context.table_key(earlier.body.get("relation")) == key
            for earlier in section.statements[: statement.index]
        )

    def _switch(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        if body.get("objtype", "OBJECT_TABLE") not in ("OBJECT_TABLE", "OBJECT_FOREIGN_TABLE"):
            return
        commands = body.get("cmds") or []
        found = [
            (index, _SWITCHES[cmd["AlterTableCmd"].get("subtype", "")])
            for index, cmd in enumerate(commands)
            if cmd.get("AlterTableCmd", {}).get("subtype") in _SWITCHES
        ]
        relation = body.get("relation")
        if not found or not self.context.existed_before(relation):
            return
        spans = subcommand_spans(statement, section.file.text)
        table = self._name(relation)
        for index, words in found:
            effect = (
                "writes made while it is disabled do not run it"
                if words.startswith("DISABLE")
                else "the trigger then runs on every matching write"
            )
            message = (
                f"`{words}` takes a SHARE ROW EXCLUSIVE lock on {table} (writes wait), and "
                f"{effect}: run it in a low-traffic window, with a `lock_timeout`"
            )
            span = spans[index] if index < len(spans) else statement.span
            self.report(section, span, message, statement=statement)
