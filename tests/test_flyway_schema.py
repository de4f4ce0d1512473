"""Flyway's default schema: unqualified names in its migrations live in that schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgmig_lsp.config import Settings
from pgmig_lsp.migrations.discover import load_directory
from pgmig_lsp.workspace import check_paths

CONFIGS = {
    "flyway.conf": "flyway.schemas=conductor,public\n",
    "flyway.toml": '[flyway]\ndefaultSchema = "conductor"\n',
    "application.properties": "spring.flyway.default-schema=conductor\n",
    "application.yml": "spring:\n  flyway:\n    schemas: conductor\n",
}


def _project(tmp_path: Path, config: str, text: str) -> Path:
    scripts = tmp_path / "db" / "migration"
    scripts.mkdir(parents=True)
    (tmp_path / config).write_text(text)
    (scripts / "V1__items.sql").write_text("CREATE TABLE items (id bigint PRIMARY KEY);\n")
    (scripts / "V2__items_again.sql").write_text(
        "CREATE TABLE conductor.items (id bigint PRIMARY KEY);\n"
    )
    return scripts


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_the_default_schema_comes_from_flyways_settings(tmp_path: Path, config: str) -> None:
    scripts = _project(tmp_path, config, CONFIGS[config])
    migrations = load_directory(scripts).migrations
    assert {m.flyway.default_schema for m in migrations if m.flyway} == {"conductor"}


def test_unqualified_names_are_in_the_default_schema(tmp_path: Path) -> None:
    scripts = _project(tmp_path, "flyway.conf", CONFIGS["flyway.conf"])
    rules = [f.rule for f in check_paths([scripts], Settings()).findings]
    # V1 created conductor.items: V2 creating it again fails
    assert "duplicate-object" in rules


def test_without_a_default_schema_they_are_in_public(tmp_path: Path) -> None:
    scripts = _project(tmp_path, "flyway.conf", "flyway.mixed=false\n")
    rules = [f.rule for f in check_paths([scripts], Settings()).findings]
    assert "duplicate-object" not in rules
