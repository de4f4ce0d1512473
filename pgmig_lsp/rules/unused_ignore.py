"""unused-ignore: a suppression comment that silences nothing."""

from __future__ import annotations

from pgmig_lsp.findings import Severity
from pgmig_lsp.rules.base import Group, Rule


class UnusedIgnore(Rule):
    """Flags a `pgmig-ignore` comment that silences nothing, or names an unknown rule.

    ## What it does
    After every rule has run, reports each rule named in a `-- pgmig-ignore:` or
    `-- pgmig-ignore-file:` comment that did not silence any finding, and each name that is not a
    pgmig rule.

    ## Why is this bad?
    A stale ignore hides the next real problem of that kind on the statement; a misspelt rule name
    silences nothing while looking as if it did.

    ## Lock
    None.

    ## Instead
    Remove the comment, or correct the rule name (`pgmig rules` lists them).

    ## Example
    ```sql
    -- pgmig-ignore: require-concurrent-index
    CREATE TABLE notes (id bigint PRIMARY KEY);
    ```
    Use instead:
    ```sql
    CREATE TABLE notes (id bigint PRIMARY KEY);
    ```
    """

    id = "unused-ignore"
    group = Group.CORRECTNESS
    severity = Severity.INFO
    summary = "a pgmig-ignore comment that silences nothing or names an unknown rule"
