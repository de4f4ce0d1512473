"""naming-convention with a history: templates learned from the earlier migrations (at
checkpoints, on strong evidence only), configured templates over them, and `pgmig check` run as
a real process."""

from __future__ import annotations

import json
from pathlib import Path

from pgmig_lsp.analysis import replay_up
from pgmig_lsp.catalog.model import Catalog
from pgmig_lsp.migrations.discover import load_directory
from pgmig_lsp.name_conventions import (
    FIRST_CHECKPOINT,
    NameLearner,
    NameTemplate,
    NameTemplates,
    checkpoint,
)
from tests.test_cli import pgmig

TABLES = ["customers", "shops", "products", "invoices", "payments", "carts", "reviews", "tags"]
#: every earlier index names its table and columns; the last migration's does not
OFF_CONVENTION = "CREATE INDEX orders_by_customer ON orders (customer_id);"
ON_CONVENTION = "CREATE INDEX idx_orders_customer_id ON orders (customer_id);"


def _write(directory: Path, position: int, name: str, up: str) -> Path:
    path = directory / f"{20240101000000 + position * 100}_{name}.sql"
    path.write_text(f"-- migrate:up\n{up}\n\n-- migrate:down\nSELECT 1;\n", encoding="utf-8")
    return path


def _history(directory: Path, index_name: str = "idx_{table}_{columns}", count: int = 16) -> None:
    """``count`` migrations: a table each (the last one ``orders``), with an index named by
    ``index_name`` (``{table}``, ``{columns}``; other text is kept)."""
    directory.mkdir(parents=True, exist_ok=True)
    for position in range(count):
        table = "orders" if position == count - 1 else f"{TABLES[position % 8]}_{position}"
        name = index_name.format(table=table, columns="owner_id", position=position)
        up = (
            f"CREATE TABLE {table} (id bigint PRIMARY KEY, owner_id bigint, customer_id bigint);\n"
            f"CREATE INDEX {name} ON {table} (owner_id);"
        )
        _write(directory, position, f"create_{table}", up)


def _naming_findings(directory: Path, *paths: str) -> list[dict[str, object]]:
    result = pgmig("check", "--no-cache", "--format", "json", *paths, cwd=directory)
    assert "Traceback" not in result.stderr, result.stderr
    diagnostics: list[dict[str, object]] = json.loads(result.stdout)["diagnostics"]
    return [d for d in diagnostics if d["rule"] == "naming-convention"]


def test_a_name_off_the_learned_convention_is_reported(tmp_path: Path) -> None:
    migrations = tmp_path / "db" / "migrations"
    _history(migrations)
    last = _write(migrations, 16, "index_orders", OFF_CONVENTION)
    findings = _naming_findings(tmp_path)
    assert len(findings) == 1, findings
    (finding,) = findings
    assert str(finding["path"]).endswith(last.name)
    assert (finding["line"], finding["column"]) == (2, 14)
    message = str(finding["message"])
    assert "`orders_by_customer`" in message
    assert "`idx_{table}_{columns}` of the earlier migrations (16 of 16 indexes" in message
    assert "expected `idx_orders_customer_id`" in message
    # the file alone is checked against the same history: the same finding
    assert _naming_findings(tmp_path, str(last.relative_to(tmp_path))) == findings


def test_a_name_on_the_learned_convention_is_not_reported(tmp_path: Path) -> None:
    migrations = tmp_path / "db" / "migrations"
    _history(migrations)
    _write(migrations, 16, "index_orders", ON_CONVENTION)
    assert _naming_findings(tmp_path) == []


def test_mixed_styles_teach_nothing(tmp_path: Path) -> None:
    migrations = tmp_path / "db" / "migrations"
    _history(migrations, index_name="idx_{table}_{columns}")
    # half of the indexes named another way: no clear majority
    for path in sorted(migrations.glob("*.sql"))[::2]:
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("CREATE INDEX idx_", "CREATE INDEX by_"), encoding="utf-8")
    _write(migrations, 16, "index_orders", OFF_CONVENTION)
    assert _naming_findings(tmp_path) == []


def test_too_short_a_history_teaches_nothing(tmp_path: Path) -> None:
    migrations = tmp_path / "db" / "migrations"
    _history(migrations, count=FIRST_CHECKPOINT - 1)
    _write(migrations, FIRST_CHECKPOINT - 1, "index_orders", OFF_CONVENTION)
    assert _naming_findings(tmp_path) == []


def test_the_configured_template_wins_over_the_learned_one(tmp_path: Path) -> None:
    migrations = tmp_path / "db" / "migrations"
    _history(migrations)
    _write(migrations, 16, "index_orders", ON_CONVENTION)
    (tmp_path / "pgmig.toml").write_text('[naming]\nindex = "{table}_{columns}_idx"\n')
    findings = _naming_findings(tmp_path)
    # the configured template is used for every migration, the earlier ones too
    assert len(findings) == 17, findings
    last = findings[-1]["message"]
    assert "the configured convention `{table}_{columns}_idx`" in str(last)
    assert "expected `orders_customer_id_idx`" in str(last)


def test_names_postgresql_chose_are_no_evidence(tmp_path: Path) -> None:
    migrations = tmp_path / "db" / "migrations"
    # every earlier index is left for PostgreSQL to name (orders_owner_id_idx …)
    _history(migrations, index_name="")
    for path in migrations.glob("*.sql"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("CREATE INDEX  ON", "CREATE INDEX ON"), encoding="utf-8")
    _write(migrations, 16, "index_orders", OFF_CONVENTION)
    assert _naming_findings(tmp_path) == []


def test_checkpoints_are_powers_of_two() -> None:
    assert [checkpoint(p) for p in (0, 15, 16, 31, 32, 63, 64, 1000)] == [
        None,
        None,
        16,
        16,
        32,
        32,
        64,
        512,
    ]


def test_learned_at_the_checkpoint_from_the_earlier_migrations_only(tmp_path: Path) -> None:
    _history(tmp_path, count=20)
    migrations = load_directory(tmp_path).migrations
    learner = NameLearner(migrations)
    catalog = Catalog()
    for position, migration in enumerate(migrations):
        learner.observe(position, catalog)
        replay_up(migration, catalog)
    index = NameTemplate("index", "idx_{table}_{columns}", 16, 16)
    assert learner.at(15) is None
    assert learner.at(16) == learner.at(19)
    learned = learner.at(19)
    assert learned is not None and learned.template("index") == index
    assert learned.template("unique_index") == index, "unique indexes fall back to indexes"
    configured = NameTemplates.configured({"index": "ix_{table}"}).over(learned)
    assert configured.template("index") == NameTemplate("index", "ix_{table}")
    assert configured.template("migration_file") == learned.template("migration_file")
    learner.forget_after(15)
    assert learner.at(16) is None


def test_the_editor_learns_the_same_convention(tmp_path: Path) -> None:
    from pgmig_lsp.analysis import select_rules
    from pgmig_lsp.config import Settings
    from pgmig_lsp.history import CHECKPOINT, Histories
    from pgmig_lsp.workspace import check_paths

    migrations = tmp_path / "db" / "migrations"
    _history(migrations)
    last = _write(migrations, 16, "index_orders", OFF_CONVENTION)
    settings = Settings()
    selection = select_rules(settings)
    histories = Histories()
    text = last.read_text(encoding="utf-8")
    check = histories.check(last, text, settings, selection, tool=None)
    while not check.complete:  # prepared in steps, as the language server does
        assert check.history is not None and check.position is not None
        check.history.advance(check.position, CHECKPOINT)
        check = histories.check(last, text, settings, selection, tool=None)
    naming = [f for f in check.findings if f.rule == "naming-convention"]
    assert len(naming) == 1 and "`orders_by_customer`" in naming[0].message
    expected = [f for f in check_paths([last], settings).findings if f.rule == "naming-convention"]
    assert [(f.span, f.message) for f in naming] == [(f.span, f.message) for f in expected]


def test_the_editor_keeps_or_relearns_templates_after_an_edit_as_check_would(
    tmp_path: Path,
) -> None:
    from pgmig_lsp.analysis import select_rules
    from pgmig_lsp.config import Settings
    from pgmig_lsp.history import Histories
    from pgmig_lsp.workspace import check_paths

    migrations = tmp_path / "db" / "migrations"
    _history(migrations, count=40)
    last = _write(migrations, 40, "index_orders", OFF_CONVENTION)
    settings = Settings()
    selection = select_rules(settings)
    histories = Histories()

    def naming(path: Path, text: str) -> list[tuple[object, str]]:
        check = histories.check(path, text, settings, selection, tool=None, budget=10_000)
        assert check.complete
        return [(f.span, f.message) for f in check.findings if f.rule == "naming-convention"]

    def expected() -> list[tuple[object, str]]:
        findings = check_paths([last], settings).findings
        return [(f.span, f.message) for f in findings if f.rule == "naming-convention"]

    assert naming(last, last.read_text(encoding="utf-8")) == expected() != []
    middle = sorted(migrations.iterdir())[20]
    original = middle.read_text(encoding="utf-8")
    # a bare table: the templates learned at 32 are kept; then indexes named otherwise: they
    # are learned again (the evidence changed); either way the editor agrees with `pgmig check`
    for added in (
        "CREATE TABLE bare_one (id bigint);",
        "".join(
            f"CREATE TABLE odd_{i} (id bigint); CREATE INDEX odd_{i}_by_id ON odd_{i} (id);"
            for i in range(5)
        ),
    ):
        edited = original.replace("-- migrate:down", f"{added}\n-- migrate:down", 1)
        naming(middle, edited)
        middle.write_text(edited, encoding="utf-8")
        assert naming(last, last.read_text(encoding="utf-8")) == expected(), added
