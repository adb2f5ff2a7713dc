"""Quality, drift and privacy reports. Registry: one line per report section.

Each entry is ``"name": "module:function"`` with ``fn(store, a, b, holdout, target, progress, seed)
-> (sections, extra)``; ``mdg_core.reports.job.build`` runs it, ``job.save`` stores it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from mdg_core.errors import InvalidParameterError

SECTIONS: dict[str, str] = {
    "quality": "mdg_core.reports.job:quality_report",
    "drift": "mdg_core.reports.job:drift_report",
    "privacy": "mdg_core.reports.job:privacy_report",
}


def resolve_section(name: str) -> Callable[..., Any]:
    """The function computing a report section; an unknown name lists the valid ones."""
    target = SECTIONS.get(name)
    if target is None:
        raise InvalidParameterError(f"Unknown report '{name}'. Valid reports: {', '.join(SECTIONS)}.")
    module, _, func = target.partition(":")
    return getattr(importlib.import_module(module), func)
