"""Real progress (and a time budget) from libraries that expose no callback of their own.

Epoch loops: CTGAN/TVAE (SDV) and SynthCity's GAN, VAE, flow and DDPM trainers all iterate
``for i in tqdm(range(n_epochs))``. While a fit runs we swap that module-level ``tqdm`` name for
a thin iterator that reports each finished epoch (and raises on cancel between epochs), and that
ends the loop early once a time budget is spent: the library then finishes as after its last
epoch (SynthCity's GAN and VAE reload their best epoch when they tracked one). The worker process
fits one model at a time, so the swap is not shared.

Other steps (columns of a copula, rounds of an adversarial forest, moves of a structure search)
are counted by wrapping one library method for the duration of the fit (``on_each_call``):
at class level, so nothing is left on the fitted objects, which stay picklable.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mdg_core.generators.base import Reporter


@dataclass
class TrainingLog:
    """What the epoch loops did: recorded in the run, so a budget-stopped model says so."""

    epochs_planned: int | None = None
    epochs_run: int = 0
    time_budget_minutes: float | None = None
    stopped_by_time_budget: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"epochs_planned": self.epochs_planned, "epochs_run": self.epochs_run,
                "time_budget_minutes": self.time_budget_minutes,
                "stopped_by_time_budget": self.stopped_by_time_budget}


class _EpochIter:
    """Enough of tqdm's API for the loops we wrap; reports epoch i/N after each pass."""

    reporter: Reporter | None = None
    label = "Epoch"
    deadline: float | None = None  # time.perf_counter() value after which no new epoch starts
    log: TrainingLog | None = None

    def __init__(self, iterable: Iterable[Any] | int | None = None, *args: Any, **kwargs: Any) -> None:
        if isinstance(iterable, int):  # trange(n)
            iterable = range(iterable)
        self.iterable = iterable if iterable is not None else []
        total = kwargs.get("total")
        try:
            total = total or len(self.iterable)  # type: ignore[arg-type]
        except TypeError:
            total = None
        self.total = total
        self.n = 0

    def __iter__(self) -> Iterator[Any]:
        started = time.perf_counter()
        if self.log is not None:
            self.log.epochs_planned = self.total
        if self.reporter is not None and self.total:  # the start of the loop: the pace is measured from here
            self.reporter.step(0, self.total, f"Training: {self.total:,} {self.label.lower()}s to run")
        for item in self.iterable:
            yield item
            self.n += 1
            if self.log is not None:
                self.log.epochs_run += 1
            self._report(started)
            if self._out_of_time():
                return

    def _out_of_time(self) -> bool:
        if self.deadline is None or time.perf_counter() < self.deadline or self.n >= (self.total or 0):
            return False
        if self.log is not None:
            self.log.stopped_by_time_budget = True
        if self.reporter is not None:
            self.reporter.step(self.n, self.n, f"Time budget spent: kept the model after {self.label.lower()} "
                                               f"{self.n} of {self.total}")
        return True

    def _report(self, started: float) -> None:
        if self.reporter is None:
            return
        total = self.total or self.n
        per = (time.perf_counter() - started) / max(self.n, 1)
        self.reporter.epoch_seconds.append(per)
        self.reporter.step(self.n, total, f"{self.label} {self.n}/{total} · {per:.2f} s each")

    def __len__(self) -> int:
        return int(self.total or 0)

    def update(self, n: int = 1) -> None:
        self.n += n

    def set_description(self, *args: Any, **kwargs: Any) -> None:
        return None

    set_postfix = set_description
    set_postfix_str = set_description
    refresh = set_description
    close = set_description
    write = set_description

    def __enter__(self) -> _EpochIter:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None


@contextmanager
def patch_progress(targets: list[tuple[str, str]], reporter: Reporter, label: str = "Epoch",
                   time_budget_minutes: float | None = None) -> Iterator[TrainingLog]:
    """Swap ``module.attr`` (a tqdm/trange) for an epoch reporter during the block; each epoch is
    reported through ``reporter`` (``step(i, N, ...)``: the fraction i/N, the count in the message).

    With ``time_budget_minutes`` (counted from the start of the fit, ``reporter.started``) no new
    epoch starts once the budget is spent; at least one epoch always runs. Yields the log of epochs.
    """
    budget = float(time_budget_minutes) if time_budget_minutes else None
    log = TrainingLog(time_budget_minutes=budget)
    deadline = None if budget is None else reporter.started + budget * 60
    hook = type("EpochHook", (_EpochIter,), {"reporter": reporter, "label": label, "deadline": deadline,
                                             "log": log})
    saved: list[tuple[Any, str, Any]] = []
    try:
        for module_name, attr in targets:
            try:
                module = importlib.import_module(module_name)
            except ImportError:
                continue
            if hasattr(module, attr):
                saved.append((module, attr, getattr(module, attr)))
                setattr(module, attr, hook)
        yield log
    finally:
        for module, attr, original in saved:
            setattr(module, attr, original)


@contextmanager
def on_each_call(owner: Any, attr: str, before: Callable[..., None] | None = None,
                 after: Callable[..., None] | None = None) -> Iterator[None]:
    """During the block, ``before(*args, **kwargs)`` / ``after(*args, **kwargs)`` run around every
    call of ``owner.attr`` (a class or a module attribute); the original is restored afterwards.

    A callback may raise (``CancelledError``), which stops the library's loop at that step.
    """
    own = attr in vars(owner)
    original = getattr(owner, attr)

    @wraps(original)
    def counted(*args: Any, **kwargs: Any) -> Any:
        if before is not None:
            before(*args, **kwargs)
        result = original(*args, **kwargs)
        if after is not None:
            after(*args, **kwargs)
        return result

    setattr(owner, attr, counted)
    try:
        yield
    finally:
        if own:
            setattr(owner, attr, original)
        else:  # it was inherited: uncover the base class's again
            delattr(owner, attr)
