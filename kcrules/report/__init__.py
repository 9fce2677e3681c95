"""Renderings of decisions and rulebook content for people and for other systems.

``html.appraisal_sheet`` is the printable A4 appraisal sheet (used by
``kcrules check --format html`` and by the web form's "Print");
``activity.describe_activity`` is an activity as plain data (``kcrules rules show
--format json`` and the web API). Both read only the library below them.
"""
