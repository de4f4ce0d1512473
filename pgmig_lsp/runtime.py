"""Process-wide settings of pgmig's commands."""

from __future__ import annotations

import gc

#: collector thresholds of the commands (a sweep every 10,000 allocations instead of 700)
BATCH = (10_000, 10, 10)
#: the language server's: full sweeps (one stalled an edit by 40 ms, or over a large replayed
#: history by 100-200 ms) are left to `collect_when_idle`, with a rare one as a safety net
INTERACTIVE = (50_000, 20, 1_000)


def tune_collector(thresholds: tuple[int, int, int] = BATCH) -> None:
    """Sweep for reference cycles less often.

    pgmig allocates many small containers that live long (parse trees, the replayed catalog), so
    the default thresholds run a sweep every 700 allocations and the full sweeps walk the whole
    catalog again and again: replaying 2,000 migrations spent a quarter of its time in the
    collector. What is already loaded (modules, rules, built-in data) lives as long as the
    process and is moved out of the sweeps.
    """
    gc.freeze()
    gc.set_threshold(*thresholds)


def collect_when_idle() -> None:
    """A full sweep, run by the language server when no edit is being checked (its checks make
    no reference cycles; the protocol's tasks and errors may)."""
    gc.collect()


def settle_heap() -> None:
    """Move everything alive now out of the collector's sweeps.

    Called once a long history is replayed: its catalogs live as long as the server, and a full
    sweep over them took 100–200 ms at random moments (a keystroke's check waited for it). Frozen
    objects are still freed when nothing refers to them; only reference cycles among them would
    stay (the catalog makes none).
    """
    gc.freeze()
