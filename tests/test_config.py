"""Configuration: files, precedence, unknown keys, wrong types (exit 2, never a traceback)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgmig_lsp.config import ConfigError, config_for, settings_from_mapping


def test_nearest_config_wins(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.pgmig]\npg_version = 13\n")
    nested = tmp_path / "service" / "db"
    nested.mkdir(parents=True)
    (tmp_path / "service" / "pgmig.toml").write_text("pg_version = 15\n")
    assert config_for(nested).settings.pg_version == 15
    assert config_for(tmp_path).settings.pg_version == 13


def test_pyproject_without_pgmig_table_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    loaded = config_for(tmp_path)
    assert loaded.path is None
    assert loaded.settings.pg_version == 16


def test_unknown_key_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "pgmig.toml").write_text("pg_version = 14\ncolour = true\n")
    loaded = config_for(tmp_path)
    assert loaded.settings.pg_version == 14
    assert any("colour" in w for w in loaded.warnings)


@pytest.mark.parametrize(
    ("data", "key", "expected"),
    [
        ({"pg_version": "16"}, "pg_version", "an integer"),
        ({"select": "set-not-null"}, "select", "a list of strings"),
        ({"ignore": [1]}, "ignore", "a list of strings"),
        ({"severity": {"set-not-null": 2}}, "severity", "a table"),
        ({"migration_dirs": "db"}, "migration_dirs", "a list of strings"),
    ],
)
def test_wrong_type_names_key_and_expected_type(
    data: dict[str, object], key: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as error:
        settings_from_mapping(data)
    assert f"`{key}`" in str(error.value)
    assert expected in str(error.value)


@pytest.mark.parametrize(
    "data", [{"fail_on": "sometimes"}, {"severity": {"set-not-null": "fatal"}}, {"pg_version": 4}]
)
def test_bad_values_are_errors(data: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        settings_from_mapping(data)


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "pgmig.toml").write_text("pg_version = = 3\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        config_for(tmp_path)


def test_naming_templates_are_read(tmp_path: Path) -> None:
    (tmp_path / "pgmig.toml").write_text(
        '[naming]\nindex = "idx_{table}_{columns}"\nforeign-key = "fk_{table}_{columns}"\n'
    )
    loaded = config_for(tmp_path)
    assert loaded.settings.naming == {
        "index": "idx_{table}_{columns}",
        "foreign_key": "fk_{table}_{columns}",
    }
    assert loaded.warnings == ()


def test_unknown_kind_of_name_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "pgmig.toml").write_text('[naming]\nindx = "idx_{table}"\ntrigger = "tr_{table}"\n')
    loaded = config_for(tmp_path)
    assert loaded.settings.naming == {"trigger": "tr_{table}"}
    assert [w for w in loaded.warnings if "`naming.indx`" in w and "unique_index" in w]


@pytest.mark.parametrize(
    ("naming", "expected"),
    [
        ("idx_{table}", "`naming` must be a table of name kinds to templates; got str"),
        ({"index": 3}, "`naming.index` must be a template string"),
        ({"index": ["idx_{table}"]}, "`naming.index` must be a template string"),
        ({"index": "idx_{table"}, "`naming.index` ('idx_{table') has a `{` or `}`"),
        ({"policy": " "}, "`naming.policy` (' ') is empty"),
    ],
)
def test_bad_naming_is_an_error(naming: object, expected: str) -> None:
    with pytest.raises(ConfigError) as error:
        settings_from_mapping({"naming": naming}, source="pgmig.toml")
    assert str(error.value).startswith("pgmig.toml: ")
    assert expected in str(error.value)


def test_naming_changes_the_fingerprint() -> None:
    configured = settings_from_mapping({"naming": {"index": "idx_{table}_{columns}"}})[0]
    assert configured.fingerprint() != settings_from_mapping({})[0].fingerprint()
