"""``pgmig``: check migrations in CI, list rules, scaffold migrations, serve the editor."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pgmig_lsp import __version__
from pgmig_lsp.config import FAIL_ON, ConfigError, LoadedConfig, Settings, config_for
from pgmig_lsp.runtime import tune_collector

if TYPE_CHECKING:
    from pgmig_lsp.report import CheckResult

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
#: how many times ``--fix`` applies fixes and checks again at most
_FIX_ROUNDS = 10


def _comma_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pgmig",
        description="Tells the truth about PostgreSQL migration files.",
    )
    parser.add_argument("--version", action="version", version=f"pgmig {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser("check", help="check migrations and report findings")
    check.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="files, migration directories or trees (default: configured dirs)",
    )
    check.add_argument("--format", choices=("text", "json", "sarif", "github"), default="text")
    check.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default=None,
        help="lowest severity that makes the exit code 1 (default: warning)",
    )
    check.add_argument(
        "--pg-version",
        type=int,
        default=None,
        metavar="N",
        help="PostgreSQL major version the migrations run on (default: 16)",
    )
    check.add_argument(
        "--select",
        type=_comma_list,
        default=None,
        metavar="RULES",
        help="comma-separated rules or groups to run instead of the defaults",
    )
    check.add_argument(
        "--ignore",
        type=_comma_list,
        default=None,
        metavar="RULES",
        help="comma-separated rules or groups not to run",
    )
    check.add_argument("--fix", action="store_true", help="apply safe fixes")
    check.add_argument(
        "--unsafe-fixes",
        action="store_true",
        help="with --fix, apply unsafe fixes (type changes…) too",
    )
    check.add_argument("--config", type=Path, default=None, help="config file to use")
    check.add_argument("--no-cache", action="store_true", help="do not read or write the cache")

    rules = commands.add_parser("rules", help="list rules, or show one rule's documentation")
    rules.add_argument("rule", nargs="?", help="a rule id")

    new = commands.add_parser("new", help="create a new migration in the detected format")
    new.add_argument("name", help="what the migration does, e.g. add_user_email")
    new.add_argument("--dir", type=Path, default=None, help="migration directory")
    new.add_argument("--config", type=Path, default=None, help="config file to use")

    snapshot = commands.add_parser(
        "snapshot", help="write the schema the migrations build (or a live database's) as JSON"
    )
    snapshot.add_argument("directory", nargs="?", type=Path, help="migration directory")
    snapshot.add_argument("-o", "--output", type=Path, default=None, help="file to write")
    snapshot.add_argument(
        "--database",
        metavar="DSN",
        default=None,
        help="read a live database instead (read-only, with timeouts)",
    )
    snapshot.add_argument(
        "--schema-sql",
        metavar="FILE",
        type=Path,
        default=None,
        help="read a pg_dump --schema-only file instead (dbmate's db/schema.sql)",
    )
    snapshot.add_argument("--config", type=Path, default=None, help="config file to use")

    analyze = commands.add_parser(
        "analyze",
        help="the schema the migrations build: tables, row level security, indexes, dependencies",
    )
    analyze.add_argument("directory", nargs="?", type=Path, help="migration directory")
    analyze.add_argument("--format", choices=("text", "json"), default="text")
    analyze.add_argument(
        "--conventions",
        action="store_true",
        help="also print the conventions learned from the migrations, with their evidence",
    )
    analyze.add_argument("--config", type=Path, default=None, help="config file to use")

    serve = commands.add_parser("serve", help="run the language server (stdio by default)")
    serve.add_argument(
        "--tcp",
        type=_host_port,
        default=None,
        metavar="HOST:PORT",
        help="listen on a TCP port instead of stdio (for debugging)",
    )
    return parser


def _host_port(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {value!r}")
    return host, int(port)


def _err(message: str) -> None:
    print(f"pgmig: {message}", file=sys.stderr)


def _load_config(explicit: Path | None, start: Path) -> LoadedConfig:
    if explicit is not None and not explicit.is_file():
        raise ConfigError(f"{explicit}: no such config file")
    loaded = config_for(start, explicit)
    for warning in loaded.warnings:
        _err(f"warning: {warning}")
    return loaded


def _apply_overrides(settings: Settings, args: argparse.Namespace) -> None:
    if args.pg_version is not None:
        if not 9 <= args.pg_version <= 30:
            raise ConfigError(
                f"--pg-version must be a PostgreSQL major version; got {args.pg_version}"
            )
        settings.pg_version = args.pg_version
    if args.select is not None:
        settings.select = args.select
    if args.ignore is not None:
        settings.ignore = [*settings.ignore, *args.ignore]
    if args.fail_on is not None:
        settings.fail_on = args.fail_on


def _check(args: argparse.Namespace) -> int:
    from pgmig_lsp.workspace import InputError, check_paths, configured_dirs, exit_code

    start = args.paths[0] if args.paths else Path.cwd()
    loaded = _load_config(args.config, start)
    settings = loaded.settings
    _apply_overrides(settings, args)
    if settings.select or settings.extend_select or settings.ignore or settings.severity:
        # only then: the rule registry imports every rule (and pglast), which a warm run avoids
        from pgmig_lsp.analysis import unknown_rule_names

        for name in unknown_rule_names(settings):
            _err(f"warning: unknown rule or group `{name}` in the settings")
    paths = list(args.paths) or configured_dirs(settings, Path.cwd())
    if not paths:
        _err("no migrations found: pass a path, or set `migration_dirs` in pgmig.toml")
        return EXIT_USAGE
    cache_root = None if args.no_cache else (loaded.path.parent if loaded.path else Path.cwd())
    try:
        result = check_paths(paths, settings, cache_root=cache_root)
    except InputError as exc:
        _err(str(exc))
        return EXIT_USAGE
    for message in result.messages:
        _err(f"warning: {message}")
    if args.fix or args.unsafe_fixes:
        result = _fix(result, paths, settings, cache_root, unsafe=args.unsafe_fixes)
    if args.format == "json" and not sys.stdout.isatty():
        from pgmig_lsp.report import json_format

        # compact, for programs, written as it is built: a large report stays small in memory
        for chunk in json_format.compact_chunks(result):
            sys.stdout.write(chunk)
    else:
        print(_render(result, args.format), end="")
    return exit_code(result.findings, settings.fail_on)


def _fix(
    result: CheckResult,
    paths: list[Path],
    settings: Settings,
    cache_root: Path | None,
    *,
    unsafe: bool,
) -> CheckResult:
    """Apply the chosen fixes and check again, until no fix applies (fixes that wait for another,
    like two migrations wanting the same next version, go in a later round)."""
    from pgmig_lsp.fixes import chosen_fixes, fixed_texts
    from pgmig_lsp.workspace import check_paths

    touched: set[Path] = set()
    for _ in range(_FIX_ROUNDS):
        fixes = chosen_fixes(result.findings, unsafe)
        if not fixes:
            break
        current = {path: file.text for path, file in result.files.items()}
        changed = fixed_texts(fixes, current)
        if not changed:
            break
        for path, text in changed.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        touched.update(changed)
        result = check_paths(paths, settings, cache_root=cache_root)
    if touched:
        _err(f"fixed {len(touched)} file(s)")
    return result


def _render(result: CheckResult, output_format: str) -> str:
    if output_format == "json":
        from pgmig_lsp.report import json_format

        # indented for a person at a terminal; compact for programs (the indenting encoder is
        # the slow pure-Python one)
        return json_format.render(result, indent=2 if sys.stdout.isatty() else None)
    if output_format == "sarif":
        from pgmig_lsp.report import sarif

        return sarif.render(result)
    if output_format == "github":
        from pgmig_lsp.report import github

        return github.render(result)
    from pgmig_lsp.report import text, use_colour

    return text.render(result, colour=use_colour(sys.stdout.isatty()))


def _rules(args: argparse.Namespace) -> int:
    from pgmig_lsp.rules.docs import render_rule_doc
    from pgmig_lsp.rules.registry import RULES

    if args.rule:
        cls = RULES.get(args.rule)
        if cls is None:
            _err(f"unknown rule `{args.rule}`; `pgmig rules` lists them")
            return EXIT_USAGE
        print(render_rule_doc(cls), end="")
        return EXIT_CLEAN
    width = max(len(rule_id) for rule_id in RULES)
    for rule_id, cls in RULES.items():
        state = "" if cls.enabled_by_default else " (off by default)"
        print(
            f"{rule_id:<{width}}  {cls.severity.value:<7}  {cls.group.value:<11}  "
            f"{cls.summary}{state}"
        )
    return EXIT_CLEAN


def _migration_directory(
    given: Path | None, settings: Settings, what: str, *, search: bool = True
) -> Path | None:
    """The migration directory a command works on; None, after saying why (asking for
    ``what``), when there is not exactly one.

    ``given`` is taken as it is when it holds migrations (or ``search`` is off: `new` may start
    an empty one); otherwise, like the current directory when nothing is given, it is searched
    for the configured or detected directory (``pgmig snapshot .`` in a dbmate project reads
    ``db/migrations``).
    """
    from pgmig_lsp.migrations.discover import find_migration_dirs
    from pgmig_lsp.workspace import configured_dirs

    if given is not None and (not search or not given.is_dir()):
        return given
    start = given or Path.cwd()
    if settings.migration_dirs and given is None:
        candidates = configured_dirs(settings, start)
    else:
        # one walk of the tree: whether ``given`` holds migrations, and what is below it
        detected = find_migration_dirs(start)
        if given is not None and given in detected:
            return given
        candidates = configured_dirs(settings, start) if settings.migration_dirs else detected
    if len(candidates) == 1:
        return candidates[0]
    if given is not None and not candidates:
        return given  # the command says it holds no migrations
    _err(
        f"pass {what}: "
        + (
            "no migration directory found"
            if not candidates
            else "several migration directories: " + ", ".join(map(str, candidates))
        )
    )
    return None


def _new(args: argparse.Namespace) -> int:
    from pgmig_lsp.migrations.discover import load_directory
    from pgmig_lsp.migrations.model import Tool
    from pgmig_lsp.migrations.scaffold import create_migration

    loaded = _load_config(args.config, args.dir or Path.cwd())
    directory = _migration_directory(args.dir, loaded.settings, "--dir", search=False)
    if directory is None:
        return EXIT_USAGE
    forced = Tool(loaded.settings.tool) if loaded.settings.tool else None
    migration_set = load_directory(directory, forced)
    try:
        written = create_migration(
            directory, migration_set.tool, args.name, migration_set.migrations
        )
    except FileExistsError as exc:
        _err(str(exc))
        return EXIT_USAGE
    for path in written:
        print(path)
    return EXIT_CLEAN


def _snapshot(args: argparse.Namespace) -> int:
    import json

    from pgmig_lsp.catalog.builtins import builtins_for
    from pgmig_lsp.catalog.model import Catalog
    from pgmig_lsp.catalog.snapshot import to_json

    loaded = _load_config(args.config, args.directory or Path.cwd())
    catalog: Catalog
    sources = [args.directory, args.database, args.schema_sql]
    if sum(source is not None for source in sources) > 1:
        _err("pass one of DIR, --database and --schema-sql")
        return EXIT_USAGE
    if args.schema_sql is not None:
        from pgmig_lsp.catalog.dump import load_dump
        from pgmig_lsp.source import SourceFile

        try:
            text = args.schema_sql.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            _err(f"{args.schema_sql}: cannot read: {exc}")
            return EXIT_USAGE
        dump = load_dump(text, args.schema_sql)
        source = SourceFile(args.schema_sql, text)
        for problem in dump.problems:
            line, column = source.position(problem.span.start)
            _err(
                f"{args.schema_sql}:{line + 1}:{column + 1}: {problem.message} "
                "(statement left out of the snapshot)"
            )
        catalog = dump.catalog
    elif args.database is not None:
        from pgmig_lsp.catalog.introspect import DatabaseError, introspect

        try:
            catalog = introspect(args.database)
        except DatabaseError as exc:
            _err(exc.message)
            return EXIT_USAGE
    else:
        from pgmig_lsp.analysis import replay_up
        from pgmig_lsp.migrations.discover import load_directory
        from pgmig_lsp.migrations.model import Tool

        directory = _migration_directory(args.directory, loaded.settings, "the migration directory")
        if directory is None:
            return EXIT_USAGE
        if not directory.is_dir():
            _err(f"{directory}: not a directory")
            return EXIT_USAGE
        forced = Tool(loaded.settings.tool) if loaded.settings.tool else None
        catalog = Catalog(complete=True)
        for migration in load_directory(directory, forced).migrations:
            replay_up(migration, catalog)
    text = json.dumps(to_json(catalog, builtins_for(loaded.settings.pg_version)), indent=2)
    if args.output is None:
        print(text)
    else:
        args.output.write_text(text + "\n", encoding="utf-8")
    return EXIT_CLEAN


def _analyze(args: argparse.Namespace) -> int:
    import json

    from pgmig_lsp.conventions import learn_conventions
    from pgmig_lsp.migrations.discover import load_directory
    from pgmig_lsp.migrations.model import Tool
    from pgmig_lsp.replayed import replay_history
    from pgmig_lsp.schema_report import report_schema

    loaded = _load_config(args.config, args.directory or Path.cwd())
    directory = _migration_directory(args.directory, loaded.settings, "the migration directory")
    if directory is None:
        return EXIT_USAGE
    if not directory.is_dir():
        _err(f"{directory}: not a directory")
        return EXIT_USAGE
    forced = Tool(loaded.settings.tool) if loaded.settings.tool else None
    migration_set = load_directory(directory, forced)
    if not migration_set.migrations:
        _err(
            f"{directory}: no migrations found (read as {migration_set.tool.value}); pass the "
            "directory that holds the migration files"
        )
        return EXIT_USAGE
    history = replay_history(migration_set.migrations, migration_set.directory)
    report = report_schema(history, migration_set.tool.value)
    conventions = learn_conventions(history) if args.conventions else None
    if args.format == "json":
        data = report.to_json()
        if conventions is not None:
            data["conventions"] = conventions.to_json()
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(report.to_text(), end="")
        if conventions is not None:
            print()
            print(conventions.to_text(), end="")
    return EXIT_CLEAN


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    tune_collector()
    try:
        if args.command == "check":
            return _check(args)
        if args.command == "rules":
            return _rules(args)
        if args.command == "new":
            return _new(args)
        if args.command == "snapshot":
            return _snapshot(args)
        if args.command == "analyze":
            return _analyze(args)
        if args.command == "serve":
            from pgmig_lsp.lsp.warm_start import kept_attrs_methods

            with kept_attrs_methods():
                from pgmig_lsp.lsp.server import serve
            return serve(args.tcp)
    except ConfigError as exc:
        _err(f"config error: {exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the reader went away (`pgmig check | head`): stop quietly, and keep Python from
        # complaining about the unflushed rest when it exits
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    parser.print_help()
    return EXIT_USAGE
