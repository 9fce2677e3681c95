"""Layer 1 — rule files: the condition language, the application's fields, reading TOML
rulebooks into a checked :class:`~kcrules.rulefiles.loader.Definition`, code tables, the
``[plan]`` table, and reading an application against a definition.

Knows only ``kcrules.errors``, ``kcrules.models`` and ``kcrules.util``.
"""
