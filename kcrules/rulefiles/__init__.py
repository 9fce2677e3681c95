"""Layer 1 — rule files: the condition language, the application's fields, reading TOML
rulebooks into a checked :class:`~kcrules.rulefiles.definition.Definition`, code tables, the
``[plan]`` table, and reading an application against a definition.

- ``conditions`` is the condition language's entry point; ``cond_ast`` (its nodes and
  types), ``cond_tokens``, ``cond_parser`` and ``cond_types`` (the type checker) are its parts.
- ``loader`` is the rule files' entry point (``load_definition``); ``definition`` holds the
  records it gives, ``builders/`` the units that build them (one per thing built), ``bundled``
  the rulebooks shipped with kcrules.

Knows only ``kcrules.errors``, ``kcrules.models`` and ``kcrules.util``.
"""
