"""Hypothesis profiles for the property tests: modest by default so the suite stays fast.

``HYPOTHESIS_PROFILE=thorough`` runs many more examples (``pytest tests/hardening -k
property``); ``ci`` is the default.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,  # requests hit SQLite/PostgreSQL and Redis: timing varies
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
    "print_blob": True,
}
settings.register_profile("ci", max_examples=30, **_COMMON)
settings.register_profile("thorough", max_examples=400, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
