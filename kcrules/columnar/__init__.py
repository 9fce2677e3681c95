"""Layer 4, beside ``decide`` — the columnar path: a population of applications at once.

``Rulebook.evaluate_table(table)`` takes an Arrow table (or record batch, or a
polars/pandas DataFrame) of applications and gives an Arrow table of decisions:
per row eligibility, amount, bound, rank key, score, failed criteria, warned
parameters and each criterion's outcome, or the error the row-by-row path
gives. The criteria are vectorised from the same parsed, checked conditions the
engines use (``vector``); ``frame`` reads and checks the input; ``table`` runs
the stages. Needs the optional extra ``kcrules[columnar]`` (pyarrow, numpy).
"""
