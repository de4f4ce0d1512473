"""diesel (Rust): ``migrations/<YYYY-MM-DD-HHMMSS>_<name>/up.sql`` and ``down.sql``.

Mirrors diesel_migrations: every non-hidden folder holding ``up.sql`` is a migration; its version
is the folder name up to the first ``_`` with the dashes removed; migrations apply by version.
Each file is sent as one string (``batch_execute``), in a transaction unless the folder's
``metadata.toml`` turns ``run_in_transaction`` off. Quirk kept on purpose: diesel reads a
``metadata.toml`` that exists but does not mention ``run_in_transaction`` as *false* (serde's
field default), and an unparseable one as the default, true.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pgmig_lsp.migrations.files import FileReader, bad_input_problems, whole_file
from pgmig_lsp.migrations.model import Delivery, Migration, Section, SectionKind, Tool
from pgmig_lsp.source import SourceFile

UP = "up.sql"
DOWN = "down.sql"
METADATA = "metadata.toml"


def folder_version(name: str) -> tuple[str, str]:
    """(version, name) of a migration folder, as diesel derives them."""
    head, _, rest = name.partition("_")
    return head.replace("-", ""), rest


def run_in_transaction(folder: Path, reader: FileReader) -> bool:
    text = reader.config_text(folder / METADATA)
    if text is None:
        return True
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return True
    value = data.get("run_in_transaction", False)
    return value if isinstance(value, bool) else True


def _section(kind: SectionKind, file: SourceFile, in_transaction: bool) -> Section:
    return Section(
        kind=kind,
        file=file,
        span=whole_file(file),
        wrapped=in_transaction,
        delivery=Delivery.ONE_STRING,
        opted_out=not in_transaction,
    )


def load_folder(folder: Path, reader: FileReader) -> Migration | None:
    """The migration of one folder, None when it holds no ``up.sql``."""
    files = reader.listing(folder).files
    if UP not in files:
        return None
    version, name = folder_version(folder.name)
    up = reader.read(folder / UP)
    down = reader.read(folder / DOWN) if DOWN in files else None
    in_transaction = run_in_transaction(folder, reader)
    migration = Migration(
        tool=Tool.DIESEL,
        version=version,
        name=name,
        files=(up,) if down is None else (up, down),
        down_expected=down is None,
    )
    migration.problems.extend(bad_input_problems(reader, migration.files))
    for kind, file in ((SectionKind.UP, up), (SectionKind.DOWN, down)):
        if file is not None and reader.bad_input(file.path) is None:
            migration.sections.append(_section(kind, file, in_transaction))
    return migration


def load_file(path: Path, reader: FileReader) -> Migration | None:
    if path.name not in (UP, DOWN):
        return None
    return load_folder(path.parent, reader)


def load(directory: Path, reader: FileReader) -> list[Migration]:
    """Every migration folder of a diesel migrations directory, by version."""
    migrations = []
    for name in reader.listing(directory).dirs:
        if name.startswith("."):
            continue
        migration = load_folder(directory / name, reader)
        if migration is not None:
            migrations.append(migration)
    migrations.sort(key=lambda m: (m.version or "", m.path.parent.name))
    return migrations
