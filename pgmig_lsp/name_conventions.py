"""Name conventions: templates such as ``idx_{table}_{columns}``, the names they allow, and
learning them from the names a history gave its objects.

A template is literal text with placeholders: ``{table}`` (the table's name, no schema),
``{schema}``, ``{columns}`` (the columns joined by ``_``), ``{column}`` (the first one),
``{version}`` (the migration's version, in file names); any other placeholder (``{purpose}``,
``{name}``, ``{event}``) stands for a snake_case word group.

Two readers: `pgmig analyze --conventions` (`pgmig_lsp.conventions`, which reports the evidence)
and the ``naming-convention`` rule, which checks each migration against `NameTemplates`: the
configured templates (``[naming]`` in the config file) over the ones learned from the migrations
before it (`NameLearner`).

Learning for the rule is done at checkpoints, positions that are powers of two from
`FIRST_CHECKPOINT` on: migration *k* is checked against what was learned from the schema before
the largest checkpoint ≤ *k* (its indexes, constraints, triggers and policies) and the file names
of the migrations before it. The work is linear in the history's length, and the result depends
only on earlier migrations, so `pgmig check` (its cache key chains the earlier files) and the
editor agree.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import attrs

from pgmig_lsp.catalog.model import Catalog, Origin, Table
from pgmig_lsp.migrations.discover import FOLDER_TOOLS
from pgmig_lsp.migrations.model import Migration

#: the kinds of names a convention has a template for, as the config file's ``[naming]`` keys
NAME_KINDS = (
    "index",
    "unique_index",
    "primary_key",
    "foreign_key",
    "unique",
    "check",
    "exclusion",
    "trigger",
    "policy",
    "migration_file",
)
#: each kind in messages: (one, several)
KIND_WORDS = {
    "index": ("index", "indexes"),
    "unique_index": ("unique index", "unique indexes"),
    "primary_key": ("primary key", "primary keys"),
    "foreign_key": ("foreign key", "foreign keys"),
    "unique": ("unique constraint", "unique constraints"),
    "check": ("check constraint", "check constraints"),
    "exclusion": ("exclusion constraint", "exclusion constraints"),
    "trigger": ("trigger", "triggers"),
    "policy": ("policy", "policies"),
    "migration_file": ("file", "migration files"),
}

#: `pgmig analyze --conventions` calls a template learned when at least this many names fit …
MIN_OBJECTS = 3
#: … and they are at least this share of the names of that kind
MIN_SHARE = 0.8
#: the naming rule wants stronger evidence before it reports names that do not fit
RULE_MIN_OBJECTS = 5
#: the first checkpoint: the rule learns nothing from fewer earlier migrations
FIRST_CHECKPOINT = 16
#: name templates evaluated per kind of object (the most frequent ones)
_CANDIDATES = 5

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_PLACEHOLDER_PIECE = re.compile(r"(\{\w+\})")
#: what a placeholder with no value stands for: a lower-case, snake_case word group
_FREE = r"[a-z0-9]+(?:_[a-z0-9]+)*"


# -- templates ----------------------------------------------------------------------------------


def template_pattern(template: str, values: Mapping[str, str]) -> re.Pattern[str]:
    """A regular expression for the names ``template`` allows, given the known values."""
    parts: list[str] = []
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[position : match.start()]))
        value = values.get(match.group(1))
        parts.append(re.escape(value) if value is not None else _FREE)
        position = match.end()
    parts.append(re.escape(template[position:]))
    return re.compile("".join(parts))


def expected_name(template: str, values: Mapping[str, str]) -> str | None:
    """The one name ``template`` allows, when every placeholder has a value."""
    names = set(_PLACEHOLDER.findall(template))
    if not names <= values.keys():
        return None
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def template_problem(template: str) -> str | None:
    """What is wrong with a template a user wrote (None: nothing)."""
    if not template.strip():
        return "is empty"
    if any(brace in _PLACEHOLDER.sub("", template) for brace in "{}"):
        return "has a `{` or `}` that is not part of a placeholder such as `{table}`"
    return None


@attrs.frozen
class NameTemplate:
    """The template one kind of name must fit, and where it comes from."""

    kind: str
    template: str
    #: learned: how many earlier names of this kind fit it, of how many (None: configured)
    follows: int | None = None
    total: int | None = None

    def provenance(self) -> str:
        """How the message names the convention: configured, or learned with its evidence."""
        if self.follows is None:
            return f"the configured convention `{self.template}`"
        plural = KIND_WORDS[self.kind][1]
        return (
            f"the convention `{self.template}` of the earlier migrations ({self.follows} of "
            f"{self.total} {plural} follow it)"
        )


@attrs.frozen
class NameTemplates:
    """The templates a migration's names are checked against, by kind; a kind without one is
    not checked."""

    by_kind: Mapping[str, NameTemplate] = attrs.field(factory=dict, hash=False)

    @classmethod
    def configured(cls, templates: Mapping[str, str]) -> NameTemplates:
        """The config file's ``[naming]`` table."""
        return cls({kind: NameTemplate(kind, text) for kind, text in templates.items()})

    def over(self, other: NameTemplates | None) -> NameTemplates:
        """These templates, and ``other``'s for the kinds these do not have."""
        if other is None or not other.by_kind:
            return self
        return NameTemplates({**other.by_kind, **self.by_kind})

    def template(self, kind: str) -> NameTemplate | None:
        """The template of ``kind``; unique indexes without their own use the index one."""
        found = self.by_kind.get(kind)
        if found is None and kind == "unique_index":
            return self.by_kind.get("index")
        return found

    def __bool__(self) -> bool:
        return bool(self.by_kind)


# -- names a history gave -----------------------------------------------------------------------


@attrs.frozen(eq=False)
class Named:
    """An object whose name a migration chose (or a migration's file)."""

    subject: str
    name: str
    path: Path | None
    #: the template its own name makes
    template: str
    #: values of the placeholders to try, in order (the second: the schema-prefixed table)
    choices: tuple[dict[str, str], ...]
    #: whether {columns}/{column} can be checked (an object without columns cannot)
    has_columns: bool


#: whether a name was written by a migration (else PostgreSQL chose it): called with
#: ``"index"`` or ``"constraint"``, the name and the object's origin
Explicit = Callable[[str, str, Origin | None], bool]

_CONSTRAINT_KINDS = {
    "p": "primary_key",
    "f": "foreign_key",
    "u": "unique",
    "c": "check",
    "x": "exclusion",
}


def plain_tables(catalog: Catalog) -> list[Table]:
    """Plain tables (not views), in name order."""
    return sorted(
        (table for table in catalog.tables.values() if table.kind == "table"),
        key=lambda table: table.key,
    )


def named_objects(
    catalog: Catalog, tables: Iterable[Table], explicit: Explicit
) -> tuple[dict[str, list[Named]], Counter[str]]:
    """The named objects of ``tables`` by kind (file names aside), and how many of each kind
    PostgreSQL named."""
    # imported here: `pgmig_lsp.locks` imports the parser, and the settings (which import this
    # module for the kinds of name) are read before anything is parsed
    from pgmig_lsp.locks import display_name

    named: dict[str, list[Named]] = {kind: [] for kind in NAME_KINDS[:-1]}
    unnamed: Counter[str] = Counter()

    def add(kind: str, name: str, table: Table, columns: Sequence[str], path: Path | None) -> None:
        if kind in ("index", "unique_index"):
            # index names are unique in their schema; the others only on their table
            subject = name if table.schema == "public" else f"{table.schema}.{name}"
        else:
            subject = f"{name} on {display_name(table.key)}"
        named[kind].append(_named(subject, name, table, tuple(columns), path))

    for table in tables:
        for constraint in sorted(table.constraints.values(), key=lambda c: c.name):
            kind = _CONSTRAINT_KINDS.get(constraint.type)
            if kind is None:
                continue
            if not explicit("constraint", constraint.name, constraint.origin):
                unnamed[kind] += 1
                continue
            path = constraint.origin.path if constraint.origin else None
            add(kind, constraint.name, table, constraint.columns, path)
        for trigger in sorted(table.triggers.values(), key=lambda t: t.name):
            add("trigger", trigger.name, table, (), trigger.origin.path if trigger.origin else None)
        for policy in sorted(table.policies.values(), key=lambda p: p.name):
            add("policy", policy.name, table, (), policy.origin.path if policy.origin else None)
        for index in catalog.indexes_on(table.key):
            if index.name in table.constraints:
                continue  # the index of a primary key, unique or exclusion constraint
            kind = "unique_index" if index.unique else "index"
            if not explicit("index", index.name, index.origin):
                unnamed[kind] += 1
                continue
            if any(column is None for column in index.columns):
                continue  # an expression: {columns} cannot be read from it
            columns = [column for column in index.columns if column is not None]
            add(kind, index.name, table, columns, index.origin.path if index.origin else None)
    return named, unnamed


def file_objects(migrations: Iterable[Migration]) -> list[Named]:
    """The migrations' main file names (not those the tool chooses, like diesel's ``up.sql``)."""
    objects: list[Named] = []
    for migration in migrations:
        if not migration.files or migration.tool in FOLDER_TOOLS:
            continue  # diesel's up.sql, Prisma's migration.sql: the tool names the file
        path = migration.path
        name = path.name
        version = migration.version or ""
        replacements = [("version", version), ("version", version.replace(".", "_"))]
        short = migration.name
        if version and short.startswith(version):
            short = short[len(version) :].lstrip("_-.")
        replacements += [("name", migration.name), ("name", short)]
        template = template_of(name, replacements)
        values = {"version": version} if version else {}
        objects.append(Named(name, name, path, template, (values,), False))
    return objects


def _named(
    subject: str, name: str, table: Table, columns: tuple[str, ...], path: Path | None
) -> Named:
    plain: dict[str, str] = {"table": table.name}
    if columns:
        plain["columns"] = "_".join(columns)
        plain["column"] = columns[0]
    choices = [plain]
    replacements: list[tuple[str, str]] = []
    if table.schema != "public":
        prefixed = {**plain, "table": f"{table.schema}_{table.name}"}
        choices.append(prefixed)
        replacements.append(("table", prefixed["table"]))
    replacements.append(("table", table.name))
    if columns:
        replacements.append(("columns", plain["columns"]))
        if len(columns) > 1:
            replacements.append(("column", columns[0]))
    return Named(
        subject, name, path, template_of(name, replacements), tuple(choices), bool(columns)
    )


def template_of(name: str, replacements: Sequence[tuple[str, str]]) -> str:
    """``name`` as a template: the first whole-word occurrence of each value replaced by its
    placeholder, in the order given (a placeholder is used once).

    ``template_of("idx_orders_customer_id", [("table", "orders"), ("columns", "customer_id")])``
    is ``idx_{table}_{columns}``.
    """
    parts: list[str] = [name]
    placed: set[int] = set()  # indexes in ``parts`` that are placeholders
    used: set[str] = set()
    for placeholder, value in replacements:
        if not value or placeholder in used:
            continue
        for i, part in enumerate(parts):
            if i in placed:
                continue
            at = _word_at(part, value)
            if at < 0:
                continue
            parts[i : i + 1] = [part[:at], "{" + placeholder + "}", part[at + len(value) :]]
            placed = {p + 2 if p > i else p for p in placed} | {i + 1}
            used.add(placeholder)
            break
    return "".join(parts)


def _word_at(text: str, value: str) -> int:
    """Where ``value`` occurs in ``text`` as a whole word (not inside a longer word or number)."""
    start = text.find(value)
    while start >= 0:
        end = start + len(value)
        before = text[start - 1] if start > 0 else ""
        after = text[end] if end < len(text) else ""
        if _boundary(before, value[0]) and _boundary(after, value[-1]):
            return start
        start = text.find(value, start + 1)
    return -1


def _boundary(neighbour: str, edge: str) -> bool:
    if not neighbour:
        return True
    if edge.isdigit():
        return not neighbour.isdigit()
    return not neighbour.isalnum()


# -- the template that fits best ------------------------------------------------------------------


@attrs.frozen
class Fit:
    """How the names of one kind fit one template."""

    template: str
    hits: list[Named]
    misses: list[Named]
    #: hits outside ``public`` written with and without the schema prefix
    prefixed: int
    unprefixed_outside_public: int

    @property
    def total(self) -> int:
        return len(self.hits) + len(self.misses)

    def learned(self, min_objects: int = MIN_OBJECTS) -> bool:
        """At least ``min_objects`` names fit it, and at least `MIN_SHARE` of them."""
        return len(self.hits) >= min_objects and len(self.hits) >= MIN_SHARE * self.total

    @property
    def rank(self) -> tuple[int, int, str]:
        # most hits; then the most specific template (more literal text); then stable
        literal = len(_PLACEHOLDER_PIECE.sub("", self.template))
        return (-len(self.hits), -literal, self.template)


def best_fit(kind: str, objects: list[Named]) -> Fit | None:
    """The template most of ``objects`` fit: one their own names make, or, when none is
    learned, a looser one with ``{purpose}`` (None: no object)."""
    if not objects:
        return None
    # a name without placeholder is a candidate too: the same policy or trigger name on every
    # table (``tenant_isolation``, ``set_updated_at``) is a convention
    own = Counter(o.template for o in objects)
    fit = _best_of(objects, [t for t, _ in own.most_common(_CANDIDATES)])
    # file names end in a suffix (``.sql``), not in words a {purpose} could stand for
    if (fit is None or not fit.learned()) and kind != "migration_file":
        general: Counter[str] = Counter()
        for o in objects:
            for template in _generalised(o.template):
                general[template] += 1
        better = _best_of(objects, [t for t, _ in general.most_common(_CANDIDATES)])
        if better is not None and better.learned():
            fit = better
    return fit


def _best_of(objects: list[Named], templates: Iterable[str]) -> Fit | None:
    fits = [_fit(objects, template) for template in templates]
    return min(fits, key=lambda fit: fit.rank, default=None)


def _fit(objects: list[Named], template: str) -> Fit:
    needs_columns = "{column" in template
    pieces = _PLACEHOLDER_PIECE.split(template)
    hits: list[Named] = []
    misses: list[Named] = []
    prefixed = unprefixed = 0
    for o in objects:
        if needs_columns and not o.has_columns:
            continue  # the naming rule does not check these either
        matched = next(
            (i for i, values in enumerate(o.choices) if _fits(pieces, values, o.name)),
            None,
        )
        if matched is None:
            misses.append(o)
            continue
        hits.append(o)
        if len(o.choices) > 1:
            if matched == 0:
                unprefixed += 1
            else:
                prefixed += 1
    return Fit(template, hits, misses, prefixed, unprefixed)


def _fits(pieces: list[str], values: dict[str, str], name: str) -> bool:
    """Whether ``name`` is one the template allows (split by `_PLACEHOLDER_PIECE`), given the
    values.

    The same reading as `template_pattern` (a placeholder without a value is a snake_case word
    group), without compiling a pattern per name: a template whose placeholders all have values
    is one string, and one free placeholder is one check of the pattern for it.
    """
    literals = [""]
    for i, piece in enumerate(pieces):
        value = values.get(piece[1:-1]) if i % 2 else piece
        if value is not None:
            literals[-1] += value
        else:
            literals.append("")
    if len(literals) == 1:
        return name == literals[0]
    if len(literals) == 2:
        head, tail = literals
        end = len(name) - len(tail)
        return (
            end >= len(head)
            and name.startswith(head)
            and name.endswith(tail)
            and _free_pattern(("", "")).fullmatch(name, len(head), end) is not None
        )
    return _free_pattern(tuple(literals)).fullmatch(name) is not None


@functools.lru_cache(maxsize=1024)
def _free_pattern(literals: tuple[str, ...]) -> re.Pattern[str]:
    """`template_pattern` for literal text with a free placeholder between each piece."""
    return template_pattern("{free}".join(literals), {})


def _generalised(template: str) -> list[str]:
    """Looser templates, for names that describe a purpose (``tr_{table}_updated_at``,
    ``idx_orders_open_status``) rather than columns: the words after the first placeholder become
    ``{purpose}`` (``tr_{table}_updated_at`` → ``tr_{table}_{purpose}``), and the same keeping a
    last word (``{table}_audit_trigger`` → ``{table}_{purpose}_trigger``)."""
    pieces = _PLACEHOLDER_PIECE.split(template)
    first = next((i for i, piece in enumerate(pieces) if _PLACEHOLDER_PIECE.fullmatch(piece)), None)
    if first is None:
        return []
    head, tail = pieces[: first + 1], pieces[first + 1 :]
    out: list[str] = []
    for keep_last in (False, True):
        rewritten = []
        changed = False
        for i, piece in enumerate(tail):
            if _PLACEHOLDER_PIECE.fullmatch(piece):
                rewritten.append(piece)
                continue
            core = piece.strip("_")
            if not core:
                rewritten.append(piece)
                continue
            lead = piece[: len(piece) - len(piece.lstrip("_"))]
            trail = piece[len(piece.rstrip("_")) :]
            words = core.split("_")
            last = i == len(tail) - 1
            if keep_last and last:
                if len(words) < 2:
                    rewritten.append(piece)
                    continue
                core = "{purpose}_" + words[-1]
            else:
                core = "{purpose}"
            rewritten.append(lead + core + trail)
            changed = True
        if changed:
            candidate = "".join(head + rewritten)
            if candidate not in out and candidate != template:
                out.append(candidate)
    return out


# -- learning for the rule ----------------------------------------------------------------------


def checkpoint(position: int) -> int | None:
    """The checkpoint whose learned templates the migration at ``position`` is checked against:
    the largest power of two ≤ ``position``, from `FIRST_CHECKPOINT` on (None: too early)."""
    if position < FIRST_CHECKPOINT:
        return None
    return 1 << (position.bit_length() - 1)


def _written_in(migrations: Iterable[Migration]) -> Explicit:
    """Whether a name was written by the statement that made (or last changed) the object: its
    text names it. PostgreSQL's own names (``orders_customer_id_fkey``) are not in the text."""
    texts = {file.path: file.text for migration in migrations for file in migration.files}

    def explicit(_category: str, name: str, origin: Origin | None) -> bool:
        text = texts.get(origin.path) if origin is not None else None
        if text is None or origin is None:
            return False
        statement = text[origin.span.start : origin.span.end]
        return _word_in(statement, name) or _word_in(statement.lower(), name.lower())

    return explicit


def _word_in(text: str, word: str) -> bool:
    """``word`` in ``text`` as a whole identifier (not inside a longer one)."""
    start = text.find(word)
    while start >= 0:
        end = start + len(word)
        before = text[start - 1] if start > 0 else " "
        after = text[end] if end < len(text) else " "
        if not (before.isalnum() or before in "_$") and not (after.isalnum() or after in "_$"):
            return True
        start = text.find(word, start + 1)
    return False


def learn_names(before: Catalog, migrations: Sequence[Migration]) -> NameTemplates:
    """The templates the rule adopts from a history: ``before`` is the schema ``migrations``
    build. A kind is adopted when at least `RULE_MIN_OBJECTS` names fit its best template and
    at least `MIN_SHARE` of the names of that kind do; weaker evidence leaves it unchecked."""
    named, _unnamed = named_objects(before, plain_tables(before), _written_in(migrations))
    named["migration_file"] = file_objects(migrations)
    learned: dict[str, NameTemplate] = {}
    for kind in NAME_KINDS:
        fit = best_fit(kind, named[kind])
        if fit is not None and fit.learned(RULE_MIN_OBJECTS):
            learned[kind] = NameTemplate(kind, fit.template, len(fit.hits), fit.total)
    return NameTemplates(learned)


@attrs.define(eq=False)
class NameLearner:
    """The templates learned along one history, as it is replayed in order.

    Call `observe` with the schema before each position the replay reaches (it learns at
    checkpoints only), then `at` gives what a migration is checked against.
    """

    migrations: Sequence[Migration]
    _learned: dict[int, NameTemplates] = attrs.field(init=False, factory=dict)

    def observe(self, position: int, before: Catalog) -> None:
        """``before`` is the schema before ``position``: learn from it at a checkpoint."""
        if checkpoint(position) == position and position not in self._learned:
            self._learned[position] = learn_names(before, self.migrations[:position])

    def at(self, position: int) -> NameTemplates | None:
        """What the migration at ``position`` is checked against (None: nothing learned)."""
        point = checkpoint(position)
        return self._learned.get(point) if point is not None else None

    def at_position(
        self, position: int, schema_before: Callable[[int], Catalog | None]
    ) -> NameTemplates | None:
        """`at`, learning at the checkpoint first if needed, from ``schema_before(checkpoint)``
        (the editor's histories, which keep schemas at checkpoints; None: not at hand)."""
        point = checkpoint(position)
        if point is None:
            return None
        if point not in self._learned:
            before = schema_before(point)
            if before is None:
                return None
            self.observe(point, before)
        return self._learned.get(point)

    def forget_after(self, position: int) -> dict[int, NameTemplates]:
        """Forget what depends on the migration at ``position`` (learned after it); returns it."""
        forgotten = {
            point: self._learned.pop(point) for point in list(self._learned) if point > position
        }
        return forgotten

    def keep(self, point: int, templates: NameTemplates) -> None:
        """What was learned at ``point`` before an edit still holds (the caller knows the
        schema there has the same named objects)."""
        self._learned[point] = templates
