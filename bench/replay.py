"""Benchmark: replaying a long migration history, and re-checking after an edit in its middle.

    python bench/replay.py [--files N] [--runs K]

Generates one dbmate history of N (default 2,000) migrations and, in this process:

- **reference**: pglast's C parser over every up section (``parse_sql_json``), the floor any
  replay built on PostgreSQL's parser pays;
- **full replay, cold**: read the directory and replay every migration into the catalog
  (`History.load` + `History.advance`), as the language server does when it opens the last file;
- **re-check after an edit**: the editor changes the middle migration, then the last migration
  is checked again (`Histories.check`, as on a keystroke). Two kinds of edit, K times each:
  *typing* (a statement that does not parse yet, a data change: the schema after the edited
  migration is unchanged) and *schema change* (a new table: every later schema is replayed again);
- **peak memory** (max RSS) of the whole run.

The process collects garbage as the language server does (`pgmig_lsp.runtime`: its thresholds,
and the replayed history moved out of the sweeps once indexed).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import attrs

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.corpus import parse_floor, write_corpus
from pgmig_lsp.analysis import select_rules
from pgmig_lsp.config import Settings
from pgmig_lsp.history import Histories, History
from pgmig_lsp.migrations.model import SectionKind
from pgmig_lsp.runtime import INTERACTIVE, settle_heap, tune_collector


def main() -> int:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--files", type=int, default=2000)
    args.add_argument("--runs", type=int, default=5)
    options = args.parse_args()
    tune_collector(INTERACTIVE)  # the language server's: these are its operations
    tmp = Path(tempfile.mkdtemp(prefix="pgmig-replay-bench-"))
    try:
        directory = tmp / "db" / "migrations"
        paths = write_corpus(directory, options.files)
        settings = Settings()
        selection = select_rules(settings)

        start = time.perf_counter()
        history = History.load(directory, None)
        history.advance(len(history.migrations), len(history.migrations))
        full = time.perf_counter() - start
        reference = parse_floor(
            section.text
            for migration in history.migrations
            for section in migration.sections
            if section.kind is SectionKind.UP
        )
        del history

        histories = Histories()
        chosen = [selection]
        middle, last = paths[len(paths) // 2], paths[-1]
        last_text = last.read_text(encoding="utf-8")
        original = middle.read_text(encoding="utf-8")
        up, down = original.split("-- migrate:down", 1)

        def check(path: Path, text: str) -> float:
            began = time.perf_counter()
            result = histories.check(path, text, settings, chosen[0], tool=None, budget=len(paths))
            assert result.complete
            return time.perf_counter() - began

        check(last, last_text)
        check(middle, original)
        settle_heap()  # as the language server does once a history is indexed
        figures: dict[str, list[float]] = {"typing": [], "schema change": []}
        # typing first (each edit leaves the schema the original leaves), then schema changes
        for run in range(options.runs):
            check(middle, f"{up}ALTER TABLE {'x' * (run + 1)}\n-- migrate:down{down}")
            figures["typing"].append(check(last, last_text))
        for run in range(options.runs):
            check(middle, f"{up}CREATE TABLE bench_{run} (id bigint);\n-- migrate:down{down}")
            figures["schema change"].append(check(last, last_text))
        # the same without naming-convention, whose templates are learned again from the
        # schema at the checkpoint before the last migration (1,024 migrations in)
        chosen[0] = select_rules(attrs.evolve(settings, ignore=["naming-convention"]))
        figures["schema change, naming off"] = []
        for run in range(options.runs):
            check(middle, f"{up}CREATE TABLE bench_x{run} (id bigint);\n-- migrate:down{down}")
            figures["schema change, naming off"].append(check(last, last_text))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    results = {
        "migrations": options.files,
        "reference parse s": round(reference, 3),
        "full replay s": round(full, 3),
        "full replay / reference": round(full / reference, 1),
        "re-check after typing ms (median)": round(statistics.median(figures["typing"]) * 1000, 1),
        "re-check after typing ms (max)": round(max(figures["typing"]) * 1000, 1),
        "re-check after schema change ms (median)": round(
            statistics.median(figures["schema change"]) * 1000, 1
        ),
        "re-check after schema change, naming-convention off ms (median)": round(
            statistics.median(figures["schema change, naming off"]) * 1000, 1
        ),
        "peak RSS MB": round(peak),
    }
    for label, value in results.items():
        print(f"{label:<42} {value}")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
