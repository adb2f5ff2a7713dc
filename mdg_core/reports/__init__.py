"""Quality, drift and privacy reports. Registry: one line per report kind.

A report *kind* is what an analyst asks for; each entry points at the ``ReportKind`` its module
defines (title, help, the labels of its two datasets, whether it uses a holdout or a target, and
the sections that build it, each with its headline metrics). A kind is made of *sections*
(``SectionSpec``): adding a section is one file plus one line in its kind's ``sections``; adding
a kind is one file plus one line here. ``mdg_core.reports.job`` builds any kind; the Reports page
and ``python -m mdg_core report`` read everything else from the kind.
"""

from __future__ import annotations

import importlib

from mdg_core.errors import InvalidParameterError
from mdg_core.reports.common import ReportKind

REPORT_KINDS: dict[str, str] = {
    "quality": "mdg_core.reports.quality:KIND",
    "drift": "mdg_core.reports.drift:KIND",
    "privacy": "mdg_core.reports.privacy:KIND",
}


def report_kind(name: str) -> ReportKind:
    """The registered report kind ``name``; an unknown name lists the valid ones."""
    target = REPORT_KINDS.get(name)
    if target is None:
        raise InvalidParameterError(f"Unknown report '{name}'. Valid reports: {', '.join(REPORT_KINDS)}.")
    module, _, attr = target.partition(":")
    kind: ReportKind = getattr(importlib.import_module(module), attr)
    return kind


def report_kinds() -> list[ReportKind]:
    """Every report kind, in registry order (the order the page offers them)."""
    return [report_kind(name) for name in REPORT_KINDS]
