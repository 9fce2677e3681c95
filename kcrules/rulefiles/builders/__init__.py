"""Building a rulebook definition from its rule files, one unit per thing built.

Takes the rule files of a rulebook chain, root first (:mod:`.chain` reads them);
gives the checked :class:`~kcrules.rulefiles.definition.Definition`, or the
problems found, all of them. The units, in the order they run:

- :mod:`.chain` — the folders of the chain (``extends``) and their TOML files
- :mod:`.sources` — source documents, and every citation into them
- :mod:`.codes` — code tables
- :mod:`.parameters` — parameters and their dated values
- :mod:`.names` — the names a rule may read, and the check of a condition
- :mod:`.derived` — derived facts (in dependency order)
- :mod:`.criteria` — criteria, groups and priority tiers
- :mod:`.activities` — activities, their support and target
- :mod:`.checks` — the program table and what a usable rulebook must have

:mod:`.context` holds what they share: the definition so far, the problems, the
common checks. Definitions that name other definitions (conditions, groups,
activities, the program) are put aside while the files are read and checked
once every name is known.
"""

from __future__ import annotations

from pathlib import Path

from kcrules.rulefiles.builders.activities import finish_activities
from kcrules.rulefiles.builders.checks import check_required_tables, finish_program
from kcrules.rulefiles.builders.codes import read_codes
from kcrules.rulefiles.builders.context import Collector, Context, RuleFile, tables
from kcrules.rulefiles.builders.criteria import (
    finish_criteria,
    finish_groups,
    read_group,
    read_priority,
)
from kcrules.rulefiles.builders.derived import finish_derived
from kcrules.rulefiles.builders.parameters import read_param
from kcrules.rulefiles.builders.sources import read_source
from kcrules.rulefiles.definition import Definition
from kcrules.util.words import suggest

SECTIONS = (
    "rulebook", "sources", "codes", "parameters", "derived", "criteria", "groups",
    "activities", "priority", "program", "plan",
)


class Builder:
    """Reads the rulebooks of a chain in order, then checks what refers to names."""

    def __init__(self, problems: Collector) -> None:
        self.ctx = Context(problems)

    def add_rulebook(self, rb_id: str, folder: Path, files: list[RuleFile]) -> None:
        ctx = self.ctx
        ctx.chain.append(rb_id)
        for f in files:
            ctx.hash.update(f.path.name.encode() + b"\0" + f.text.encode() + b"\0")
        self._head(rb_id, folder, next(f for f in files if f.path.name == "rulebook.toml"))
        # sources first: citations anywhere refer to them
        for f in files:
            for key in f.data:
                if key not in SECTIONS:
                    ctx.p.add(f.where(key), "unknown section", key, ", ".join(SECTIONS),
                              suggest(key, SECTIONS))
            for key, body in tables(f, "sources", ctx.p):
                read_source(ctx, key, body, f)
        for f in files:
            for key, body in tables(f, "codes", ctx.p):
                read_codes(ctx, key, body, f)
        for f in files:
            for key, body in tables(f, "parameters", ctx.p):
                read_param(ctx, key, body, f, rb_id)
        for f in files:
            self._put_aside(rb_id, f)

    def _head(self, rb_id: str, folder: Path, head: RuleFile) -> None:
        """The ``[rulebook]`` table: the definition takes the id, title and folder of the last of the chain."""
        ctx = self.ctx
        meta = head.data["rulebook"]
        ctx.keys(meta, ("id", "title", "extends", "abstract", "description"), ("id", "title"), head,
                 "rulebook", None)
        title = ctx.label(meta.get("title"), head, "rulebook", rb_id, "title")
        abstract = meta.get("abstract", False)
        if not isinstance(abstract, bool):
            ctx.p.add(head.where("rulebook", None, "abstract"), "must be true or false", abstract)
        if not ctx.started:
            ctx.start(Definition(rb_id, title, (), bool(abstract), "", folder))
        else:
            d = ctx.d
            d.id, d.title, d.abstract, d.folder = rb_id, title, bool(abstract), folder

    def _put_aside(self, rb_id: str, f: RuleFile) -> None:
        """Groups and tiers are read now; what names other definitions waits for :meth:`finish`."""
        ctx = self.ctx
        ctx.pending_derived += [(k, rb_id, f, b) for k, b in tables(f, "derived", ctx.p)]
        ctx.pending_criteria += [(k, rb_id, f, b, "criteria") for k, b in tables(f, "criteria", ctx.p)]
        ctx.pending_activities += [(k, rb_id, f, b) for k, b in tables(f, "activities", ctx.p)]
        for key, body in tables(f, "groups", ctx.p):
            read_group(ctx, key, body, f, rb_id)
        if "priority" in f.data:
            read_priority(ctx, f.data["priority"], f)
        if "program" in f.data:
            ctx.pending_program = (rb_id, f, f.data["program"])
        if "plan" in f.data:
            ctx.d.plan = (f.display, f.data["plan"])

    def finish(self) -> Definition:
        ctx = self.ctx
        d = ctx.d
        d.chain = tuple(ctx.chain)
        d.version = ctx.hash.hexdigest()[:16]
        check_required_tables(ctx)
        finish_derived(ctx)
        finish_criteria(ctx)
        finish_groups(ctx)
        finish_activities(ctx)
        finish_program(ctx)
        return d
