"""One shape for progress: ``progress(fraction, message)``, fraction from 0 to 1 of the whole step.

Every job, generator, report, upload and store save takes a ``Progress``; no other callback shape
exists. A long step gives each sub-step its share with ``span``, so a sub-step reports 0 → 1 of its
own work without knowing where it sits in the whole. A job passes ``ctx.progress`` itself (its
throttling, cancelling and measured remaining time stay in ``JobContext``). Code that counts
(epochs, rows) divides before it reports and keeps the counts in the message ("12/40 records").
A fraction of 0 means "set-up, nothing measured yet": remaining time is only ever measured from
a rising fraction (``generators.run.Pace``).
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Reports how far a step is (0–1) and what it is doing; may raise ``CancelledError``."""

    def __call__(self, fraction: float, message: str, /) -> None: ...


def no_progress(fraction: float, message: str, /) -> None:
    """A ``Progress`` for callers that do not watch."""


def span(progress: Progress, lo: float, hi: float, prefix: str = "") -> Progress:
    """The ``Progress`` of a sub-step that covers ``lo``–``hi`` of ``progress`` (messages prefixed)."""

    def sub(fraction: float, message: str, /) -> None:
        progress(lo + (hi - lo) * min(1.0, max(0.0, fraction)), f"{prefix}{message}")

    return sub
