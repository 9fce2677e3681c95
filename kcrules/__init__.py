"""kcrules: Hanoi's khuyến công program 2016–2020 and the national law beneath it, as cited rules.

Quick start::

    import kcrules
    rulebook = kcrules.load_rulebook()            # the Hanoi 2016–2020 rulebook
    decision = rulebook.evaluate(application)     # dict, JSON text or kcrules.Application
    decision.eligible, decision.support.amount_vnd, decision.reasons
    kcrules.what_if(rulebook, application, {"project.approved": True})   # the same, with changed facts
    kcrules.smallest_changes(rulebook, application)                       # what would make it eligible

The public names are listed in ``__all__``; everything else is internal. Names
are imported on first use, so ``import kcrules`` stays quick.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kcrules.errors import (
    ApplicationError,
    EngineUnavailableError,
    EvaluationError,
    InputError,
    KcrulesError,
    Problem,
    RuleFileError,
    UnknownRulebookError,
)
from kcrules.util.lazy import lazy_names

__version__ = "0.1.0"

__all__ = [
    "Applicant",
    "Application",
    "ApplicationError",
    "Change",
    "Decision",
    "Difference",
    "EngineUnavailableError",
    "Establishment",
    "EvaluationError",
    "InputError",
    "KcrulesError",
    "Plan",
    "Problem",
    "Project",
    "RuleFileError",
    "Rulebook",
    "Suggestion",
    "UnknownRulebookError",
    "WhatIf",
    "__version__",
    "load_rulebook",
    "parse_changes",
    "plan",
    "smallest_changes",
    "what_if",
]

_LAZY = {
    "Applicant": "models",
    "Application": "models",
    "Change": "whatif",
    "Decision": "models",
    "Difference": "whatif",
    "Establishment": "models",
    "Plan": "planning",
    "Project": "models",
    "Rulebook": "rulebook",
    "Suggestion": "whatif",
    "WhatIf": "whatif",
    "load_rulebook": "rulebook",
    "parse_changes": "whatif",
    "plan": "planning",
    "smallest_changes": "whatif",
    "what_if": "whatif",
}


__getattr__, __dir__ = lazy_names(__name__, _LAZY, __all__)


if TYPE_CHECKING:
    from kcrules.models import Applicant, Application, Decision, Establishment, Project
    from kcrules.planning import Plan, plan
    from kcrules.rulebook import Rulebook, load_rulebook
    from kcrules.whatif import Change, Difference, Suggestion, WhatIf, parse_changes, smallest_changes, what_if
