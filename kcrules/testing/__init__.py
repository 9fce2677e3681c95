"""The regression kit for rule maintainers: generated applications and invariants.

Use it from any test suite (it needs ``hypothesis``, in the ``test`` extra)::

    from hypothesis import given, settings
    import kcrules
    from kcrules.testing import applications, check_invariants

    RULEBOOK = kcrules.load_rulebook("path/to/my-rulebook")   # or a bundled id

    @settings(max_examples=50, deadline=None)
    @given(applications(RULEBOOK))                 # or applications(RULEBOOK, "3.3-machinery")
    def test_my_rulebook_keeps_its_promises(app):
        check_invariants(RULEBOOK, app)

``applications`` draws valid applications concentrated at the thresholds the
rulebook mentions; ``generate`` gives the same applications without
Hypothesis, from a seed. ``check_invariants`` runs every property (support
within every ceiling, ineligible means zero, support never falls as the cost
rises, determinism across engines, facts no rule reads change nothing, every
unmet criterion explained and cited, JSON round trip); each is also available
alone as a ``check_*`` function. A broken property raises
``InvariantViolation``, an ``AssertionError``.

Scenario case files (``rules/<rulebook>/tests/*.toml``, ``*.kccases.toml``)
are run by the pytest plugin in ``kcrules.testing.plugin``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kcrules.util.lazy import lazy_names

__all__ = [
    "InvariantViolation",
    "applications",
    "check_deterministic",
    "check_explained",
    "check_ineligible_zero",
    "check_invariants",
    "check_irrelevant_facts",
    "check_json_round_trip",
    "check_monotonic_cost",
    "check_support_bounds",
    "fields_read",
    "generate",
    "thresholds",
]

# Imported on first use, so the pytest plugin (a sibling module) loads without Hypothesis.
_LAZY = {name: "invariants" for name in __all__} | {
    "applications": "strategies",
    "generate": "strategies",
    "thresholds": "strategies",
}


__getattr__, __dir__ = lazy_names(__name__, _LAZY, __all__)


if TYPE_CHECKING:
    from kcrules.testing.invariants import (
        InvariantViolation,
        check_deterministic,
        check_explained,
        check_ineligible_zero,
        check_invariants,
        check_irrelevant_facts,
        check_json_round_trip,
        check_monotonic_cost,
        check_support_bounds,
        fields_read,
    )
    from kcrules.testing.strategies import applications, generate, thresholds
