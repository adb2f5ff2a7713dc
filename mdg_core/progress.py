"""One shape for progress: ``progress(fraction, message)``, fraction from 0 to 1 of the whole step.

A long step takes a ``Progress`` and gives each sub-step its share with ``span``, so a sub-step
reports 0 → 1 of its own work without knowing where it sits in the whole. A job hands its
``JobContext`` over with ``of_job``; the job's throttling and cancelling stay in ``JobContext``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from mdg_core.jobs import JobContext


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


def of_job(ctx: JobContext) -> Progress:
    """A job's ``ctx.progress(done, total, message)`` as a ``Progress``."""

    def job(fraction: float, message: str, /) -> None:
        ctx.progress(fraction, 1, message)

    return job
