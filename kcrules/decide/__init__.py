"""Layer 4 — deciding: from an engine's outcomes to a Decision.

``facts`` turns an application into the flat fact the engines match;
``params`` gives the law in force on a date; ``criteria`` lists what an
activity checks and what each criterion reads; ``outcomes`` reads the engine's
outcomes into the decision's skeleton; ``priority``, ``support`` and
``warnings`` compute those parts; ``decider`` puts them together, with the
sentences from ``kcrules.text``. Knows ``kcrules.engines`` and below, never the
rulebook facade, what-if, planning or the faces.
"""
