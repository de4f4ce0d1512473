"""Catching a replayed history up after an edit, without replaying what the edit cannot reach.

When a migration in the middle of a history changes the schema it leaves, every later schema is
stale. Replaying the rest costs about a millisecond per migration. Most later migrations never
look at what changed, though: they take their effect from the schemas replayed before the edit.

The history is cut into segments of `CHECKPOINT` migrations (its checkpoints). For a segment,
the replay before the edit recorded which catalog entries it wrote. The catalog after the edit
differs from the old one in a few entries (the *delta*). A segment is replayed again only when
it could see the delta:

- its text names an object of the delta or one attached to it (the table of an index or of a
  sequence, the tables its foreign keys reference, its constraints' names);
- it may choose a name (an unnamed constraint, index or sequence: PostgreSQL names them after
  the table, ``orders_pkey``) that a delta name could collide with;
- it does something whose reach is not in its text (`CASCADE`, `search_path`, a `DO` block,
  extensions, schemas);
- it writes an entry of the delta.

Otherwise its recorded entries are copied from the old schema after it: the result is what a
replay gives, entry for entry (`tests/lsp/test_catchup.py` checks this on random edits).
"""

from __future__ import annotations

import functools
import re

import attrs

from pgmig_lsp.catalog.model import Catalog, Key
from pgmig_lsp.migrations.model import Migration, SectionKind

#: words after which a segment is always replayed: their reach is not in the statement's names
_GLOBAL_WORDS = frozenset(
    {"cascade", "search_path", "set_config", "do", "extension", "schema", "owned"}
)
#: a name PostgreSQL chooses starts with the table's name, cut to no fewer than this many
#: characters (the longer of the two parts is shortened first, to fit 63 bytes)
_CUT = 20
_WORD = re.compile(r'"((?:[^"]|"")+)"|([^\W\d][\w$]*)')


@attrs.frozen(eq=False)
class Segment:
    """What the migrations of one segment wrote when replayed (keys per catalog space)."""

    start: int
    migrations: tuple[Migration, ...]
    writes: tuple[set[Key], ...]

    @functools.cached_property
    def words(self) -> frozenset[str]:
        """Every identifier and keyword of the segment's up sections, lower case."""
        found: set[str] = set()
        for migration in self.migrations:
            for section in migration.sections:
                if section.kind is SectionKind.UP:
                    for quoted, bare in _WORD.findall(section.text):
                        found.add((quoted.replace('""', '"') if quoted else bare).lower())
        return frozenset(found)

    def unchanged(self, migrations: list[Migration]) -> bool:
        """Whether the history still holds the very migrations this segment recorded."""
        now = migrations[self.start : self.start + len(self.migrations)]
        return len(now) == len(self.migrations) and all(
            a is b for a, b in zip(now, self.migrations, strict=True)
        )


@attrs.define(eq=False)
class OldSchema:
    """A checkpoint of the history as replayed before an edit (``world``: which replay)."""

    catalog: Catalog
    segment: Segment | None
    world: int


@attrs.define(eq=False)
class Delta:
    """The entries in which the catalog being replayed differs from the old one at a position."""

    position: int
    keys: tuple[set[Key], ...]
    #: names of the delta's objects and of the objects attached to them, lower case
    names: set[str] = attrs.Factory(set)
    #: what a table name a segment names must not be for its chosen names to be safe
    prefixes: set[str] = attrs.Factory(set)

    @classmethod
    def between(cls, position: int, ours: Catalog, old: Catalog) -> Delta | None:
        keys = ours.differences(old)
        if keys is None:
            return None
        delta = cls(position, keys)
        delta.describe(ours, old)
        return delta

    def describe(self, ours: Catalog, old: Catalog) -> None:
        names: set[str] = set()
        tables, indexes, types, functions, sequences = self.keys
        for key in tables:
            names.add(key[1])
            for catalog in (ours, old):
                table = catalog.tables.get(key)
                if table is None:
                    continue
                names.update(table.constraints)
                names.update(c.references[1] for c in table.constraints.values() if c.references)
        for key in indexes:
            names.add(key[1])
            for catalog in (ours, old):
                index = catalog.indexes.get(key)
                if index is not None:
                    names.add(index.table[1])
        for key in sequences:
            names.add(key[1])
            for catalog in (ours, old):
                sequence = catalog.sequences.get(key)
                if sequence is not None and sequence.owned_by is not None:
                    names.add(sequence.owned_by[1])
        names.update(key[1] for key in (*types, *functions))
        self.names = {name.lower() for name in names}
        self.prefixes = set()
        for name in self.names:
            self.prefixes.add(name[:_CUT])
            self.prefixes.update(name[:i] for i, ch in enumerate(name) if ch == "_")

    def has_named_objects(self, ours: Catalog, old: Catalog) -> bool:
        """Whether the difference holds an index, a constraint, a trigger or a policy (what
        names are learned from), on either side."""
        tables, indexes, *_ = self.keys
        if indexes:
            return True
        for catalog in (ours, old):
            for key in tables:
                table = catalog.tables.get(key)
                if table is not None and (table.constraints or table.triggers or table.policies):
                    return True
        return False

    def reaches(self, segment: Segment) -> bool:
        """Whether replaying ``segment`` could come out differently with the delta applied."""
        words = segment.words
        if words & _GLOBAL_WORDS or words & self.names:
            return True
        for word in words:
            if (word if len(word) <= _CUT else word[:_CUT]) in self.prefixes:
                return True
        return any(written & keys for written, keys in zip(segment.writes, self.keys, strict=True))

    def settle(self, ours: Catalog, old: Catalog, keys: tuple[set[Key], ...]) -> bool:
        """After a segment was replayed for real: the delta at its end, given the ``keys`` both
        replays of it wrote; False when the two catalogs now differ beyond entries."""
        if not ours.same_setting(old):
            return False
        spaces = zip(ours.spaces(), old.spaces(), self.keys, keys, strict=True)
        for mine, theirs, delta, written in spaces:
            for key in written:
                value, before = mine.get(key), theirs.get(key)
                if value is before or value == before:
                    delta.discard(key)
                else:
                    delta.add(key)
        self.describe(ours, old)
        return True
