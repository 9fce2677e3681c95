"""Read rule files into a checked, immutable rulebook definition.

A rulebook is a folder: ``rulebook.toml`` names it (and the rulebook it
extends); every other ``*.toml`` beside it holds tables of definitions. Test
cases live under ``tests/`` and are not read here. The format is documented in
docs/rule-author-guide.md. Everything is checked here, at load time: unknown keys,
wrong types, unknown codes, duplicate ids, missing citations, conditions that do
not parse or type-check. Every problem is collected and reported at once, each
naming file, rule id and key.

This module is the entry point: :func:`load_definition`. The records it gives are
defined in :mod:`kcrules.rulefiles.definition` (and importable from here); the
work is done by the units of :mod:`kcrules.rulefiles.builders`, one per thing built.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kcrules.errors import RuleFileError
from kcrules.rulefiles import conditions as cond
from kcrules.rulefiles.builders import Builder
from kcrules.rulefiles.builders.chain import read_chain
from kcrules.rulefiles.builders.context import Collector
from kcrules.rulefiles.bundled import DEFAULT_RULEBOOK, bundled_ids, bundled_root
from kcrules.rulefiles.definition import (
    LANGS,
    PROVENANCES,
    UNITS,
    Activity,
    Cite,
    CodeTable,
    CodeValue,
    Criterion,
    Definition,
    Derived,
    Param,
    ParamValue,
    Program,
    Requirement,
    Source,
    SupportDef,
    Target,
    Tier,
)

__all__ = [
    "Activity",
    "Cite",
    "CodeTable",
    "CodeValue",
    "Criterion",
    "DEFAULT_RULEBOOK",
    "Definition",
    "Derived",
    "LANGS",
    "PROVENANCES",
    "Param",
    "ParamValue",
    "Program",
    "Requirement",
    "Resolver",
    "Source",
    "SupportDef",
    "Target",
    "Tier",
    "UNITS",
    "bundled_ids",
    "bundled_root",
    "canonical_json",
    "load_definition",
]


def load_definition(folder: Path) -> Definition:
    """Load the rulebook in ``folder`` and every rulebook it extends."""
    problems = Collector()
    chain = read_chain(folder, problems)
    if problems.problems:
        raise RuleFileError(problems.problems)
    builder = Builder(problems)
    for rb_id, path, files in chain:
        builder.add_rulebook(rb_id, path, files)
    definition = builder.finish()
    if problems.problems:
        raise RuleFileError(problems.problems)
    return definition


def canonical_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str)


Resolver = Callable[[str], cond.FieldType | None]

