"""Layer 3 — text: what a person reads, in Vietnamese and English.

Locale formatting (babel), labels of application fields, the sentences of a decision's
reasons, and showing one fact in words. Knows ``kcrules.rulefiles`` and below; never decides.
"""
