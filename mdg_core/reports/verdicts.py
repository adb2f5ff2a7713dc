"""Plain-language verdicts: good / review / risky, always with the reasons that cite the numbers.

Each section raises its verdict through ``Section.flag(level, reason)``; a report's verdict is the
worst of its sections'. The thresholds live next to the metric they judge (``drift.THRESHOLDS``,
``privacy``/``reid``/``quality``/``utility`` constants).
"""

from __future__ import annotations

LEVELS = ("good", "review", "risky")


def worst(levels: list[str]) -> str:
    """The worst of several verdicts (good < review < risky); good when there are none."""
    return max(levels, key=LEVELS.index) if levels else "good"


def raise_to(current: str, level: str) -> str:
    """``level`` if it is worse than ``current``, else ``current``."""
    return level if LEVELS.index(level) > LEVELS.index(current) else current
