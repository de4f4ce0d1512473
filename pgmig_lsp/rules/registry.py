"""The registry of rules: every `Rule` subclass in the modules of ``pgmig_lsp.rules``."""

from __future__ import annotations

import importlib
import pkgutil

import pgmig_lsp.rules as package
from pgmig_lsp.rules.base import Rule

_NOT_RULES = {"base", "registry", "docs", "registry_check"}


def _discover() -> dict[str, type[Rule]]:
    for module in pkgutil.iter_modules(package.__path__):
        if module.name not in _NOT_RULES and not module.name.startswith("_"):
            importlib.import_module(f"{package.__name__}.{module.name}")
    found: dict[str, type[Rule]] = {}
    stack = list(Rule.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        rule_id = cls.__dict__.get("id")
        if rule_id:
            if rule_id in found and found[rule_id] is not cls:
                raise RuntimeError(f"rule id {rule_id!r} is defined twice")
            found[rule_id] = cls
    return dict(sorted(found.items()))


RULES: dict[str, type[Rule]] = _discover()
"""Rule classes by id, sorted by id."""
