"""Code actions read from the diagnostics' data, applied to the text as a client applies them."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import shop_of
from tests.lsp.support import (
    MIGRATIONS,
    apply_workspace_edit,
    capabilities,
    copy_shop,
    initialize,
    opened,
    replace_all,
    rules_of,
    wait_until,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

BAD = "20240312110000_add_user_profile_fields.sql"


def _bad(shared: LanguageClient) -> Path:
    return shop_of(shared) / MIGRATIONS / BAD


async def _actions(
    client: LanguageClient,
    uri: str,
    diagnostics: list[types.Diagnostic],
    only: list[str] | None = None,
) -> list[types.CodeAction]:
    start = types.Position(line=0, character=0)
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostics[0].range if diagnostics else types.Range(start=start, end=start),
            context=types.CodeActionContext(diagnostics=diagnostics, only=only),
        )
    )
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


def _diagnostic(client: LanguageClient, uri: str, rule: str) -> types.Diagnostic:
    return next(d for d in client.diagnostics[uri] if d.code == rule)


async def test_quick_fix_is_applied_and_removes_the_finding(shared: LanguageClient) -> None:
    async with opened(shared, _bad(shared)) as (uri, text):
        diagnostic = _diagnostic(shared, uri, "missing-lock-timeout")
        actions = await _actions(shared, uri, [diagnostic])
        fix = next(a for a in actions if a.title == "Set a lock_timeout for the transaction")
        assert fix.kind == types.CodeActionKind.QuickFix
        assert fix.is_preferred
        assert fix.edit is not None
        fixed = apply_workspace_edit({uri: text}, fix.edit)[uri]
        assert fixed == text.replace(
            "ALTER TABLE app_user", "SET LOCAL lock_timeout = '2s';\nALTER TABLE app_user", 1
        )
        replace_all(shared, uri, text, fixed, version=2)
        await wait_until(
            lambda: "missing-lock-timeout" not in rules_of(shared.diagnostics[uri]),
            what="the fix to work",
        )


@pytest.mark.parametrize(
    ("title", "comment"),
    [
        ("Ignore prefer-text for this statement", "-- pgmig-ignore: prefer-text\n"),
        ("Ignore prefer-text for this file", "-- pgmig-ignore-file: prefer-text\n"),
    ],
)
async def test_ignore_actions_silence_the_rule(
    shared: LanguageClient, title: str, comment: str
) -> None:
    async with opened(shared, _bad(shared)) as (uri, text):
        actions = await _actions(shared, uri, [_diagnostic(shared, uri, "prefer-text")])
        ignore = next(a for a in actions if a.title == title)
        assert ignore.edit is not None and not ignore.is_preferred
        ignored = apply_workspace_edit({uri: text}, ignore.edit)[uri]
        assert comment in ignored
        assert ignored.replace(comment, "", 1) == text
        replace_all(shared, uri, text, ignored, version=2)
        await wait_until(
            lambda: (
                "prefer-text" not in rules_of(shared.diagnostics[uri])
                and "missing-lock-timeout" in rules_of(shared.diagnostics[uri])
            ),
            what="the rule to be ignored",
        )


async def test_show_documentation_opens_the_rule_page(shared: LanguageClient) -> None:
    async with opened(shared, _bad(shared)) as (uri, _):
        diagnostic = _diagnostic(shared, uri, "prefer-text")
        actions = await _actions(shared, uri, [diagnostic])
        show = next(a for a in actions if a.title == "Show documentation for prefer-text")
        assert show.command is not None and show.edit is None
        await shared.workspace_execute_command_async(
            types.ExecuteCommandParams(
                command=show.command.command, arguments=show.command.arguments
            )
        )
        assert diagnostic.code_description is not None
        assert shared.shown_documents[-1].uri == diagnostic.code_description.href
        assert shared.shown_documents[-1].external


async def test_fix_creating_a_migration_uses_document_changes(shared: LanguageClient) -> None:
    path = _bad(shared)
    async with opened(shared, path) as (uri, text):
        diagnostic = _diagnostic(shared, uri, "constraint-missing-not-valid")
        fix = next(a for a in await _actions(shared, uri, [diagnostic]) if a.is_preferred)
        assert fix.edit is not None and fix.edit.document_changes
        new_uri = (path.parent / "20240312110001_validate_app_user_bio_check.sql").as_uri()
        after = apply_workspace_edit({uri: text}, fix.edit)
        assert "ALTER TABLE app_user VALIDATE CONSTRAINT app_user_bio_check;" in after[new_uri]
        assert "CHECK (char_length(bio) <= 500) NOT VALID" in after[uri]


async def test_no_file_creating_fix_without_document_changes(
    client: LanguageClient, tmp_path: Path
) -> None:
    shop = copy_shop(tmp_path)
    await initialize(client, shop, capabilities(document_changes=False))
    async with opened(client, shop / MIGRATIONS / BAD) as (uri, _):
        diagnostic = _diagnostic(client, uri, "constraint-missing-not-valid")
        actions = await _actions(client, uri, [diagnostic])
        assert "Ignore constraint-missing-not-valid for this file" in [a.title for a in actions]
        assert not any(a.is_preferred for a in actions), "creating a file needs documentChanges"
        ignore = next(a for a in actions if a.edit is not None)
        assert ignore.edit is not None and ignore.edit.changes
        assert not ignore.edit.document_changes


async def test_fix_all_applies_every_safe_fix(shared: LanguageClient) -> None:
    async with opened(shared, _bad(shared)) as (uri, text):
        actions = await _actions(shared, uri, [], only=["source.fixAll"])
        assert [a.kind for a in actions] == ["source.fixAll.pgmig"]
        assert actions[0].edit is not None
        fixed = apply_workspace_edit({uri: text}, actions[0].edit)
        assert "SET LOCAL lock_timeout = '2s';" in fixed[uri]
        replace_all(shared, uri, text, fixed[uri], version=2)
        await wait_until(
            lambda: (
                not {"missing-lock-timeout", "constraint-missing-not-valid"}
                & set(rules_of(shared.diagnostics[uri]))
            ),
            what="the safe fixes to be applied",
        )


async def test_stale_diagnostics_offer_no_edits(shared: LanguageClient) -> None:
    async with opened(shared, _bad(shared)) as (uri, text):
        old = _diagnostic(shared, uri, "missing-lock-timeout")
        # the server has an edit the client's diagnostics were not computed on
        replace_all(shared, uri, text, "\n" + text, version=2)
        actions = await _actions(shared, uri, [old], only=[types.CodeActionKind.QuickFix])
        assert actions == []
