"""Real per-epoch progress from libraries that only expose a ``tqdm`` around their epoch loop.

CTGAN/TVAE (SDV) and SynthCity's GAN, VAE, flow and DDPM trainers all iterate
``for i in tqdm(range(n_epochs))``. While a fit runs we swap that module-level ``tqdm`` name for
a thin iterator that reports each finished epoch (and raises on cancel between epochs), then
restore it. The worker process fits one model at a time, so the swap is not shared.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any


class _EpochIter:
    """Enough of tqdm's API for the loops we wrap; reports epoch i/N after each pass."""

    reporter: Any = None
    label = "Epoch"

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
        for item in self.iterable:
            yield item
            self.n += 1
            self._report(started)

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
def patch_progress(targets: list[tuple[str, str]], reporter: Any, label: str = "Epoch") -> Iterator[None]:
    """Swap ``module.attr`` (a tqdm/trange) for an epoch reporter during the block."""
    hook = type("EpochHook", (_EpochIter,), {"reporter": reporter, "label": label})
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
        yield
    finally:
        for module, attr, original in saved:
            setattr(module, attr, original)
