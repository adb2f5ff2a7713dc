"""The one interface every synthetic-data generator implements.

sklearn conventions: hyper-parameters go to ``__init__`` (including ``random_state``), ``fit``
learns and returns ``self``, learned state ends in ``_``. Each generator class carries a
``GeneratorSpec`` so the UI and the CLI can build forms and check parameters without importing
the heavy libraries. The shared work that makes every generator behave the same (PII and key
columns, the real data's shape, seeding, conditional sampling) lives here, once.
"""

from __future__ import annotations

import importlib
import random
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from mdg_core.errors import CancelledError, GeneratorError, InvalidParameterError
from mdg_core.generators.metadata import TableMetadata, detect_table_metadata
from mdg_core.progress import Progress

CancelFn = Callable[[], bool]


@dataclass(frozen=True)
class ParamSpec:
    """One hyper-parameter: its type, default and bounds, and a help line for forms."""

    name: str
    type: str  # int | float | bool | choice | str
    default: Any
    min: float | None = None
    max: float | None = None
    choices: tuple[Any, ...] | None = None
    help: str = ""
    label: str = ""  # what a form shows; ``name`` is the CLI/API handle

    def coerce(self, value: Any) -> Any:
        """The value in this parameter's type, checked against its bounds (CLI strings welcome)."""
        try:
            if self.type == "int":
                if isinstance(value, float) and not value.is_integer():
                    raise ValueError
                out: Any = int(float(value)) if isinstance(value, str) else int(value)
            elif self.type == "float":
                out = float(value)
            elif self.type == "bool":
                if isinstance(value, str):
                    if value.strip().lower() not in ("true", "false", "1", "0", "yes", "no"):
                        raise ValueError
                    out = value.strip().lower() in ("true", "1", "yes")
                else:
                    out = bool(value)
            elif self.type == "choice":
                out = value
                if self.choices and out not in self.choices:
                    raise InvalidParameterError(
                        f"Parameter '{self.name}' must be one of {', '.join(map(str, self.choices))}; got '{value}'."
                    )
            else:
                out = str(value)
        except (TypeError, ValueError) as exc:
            raise InvalidParameterError(
                f"Parameter '{self.name}' must be of type {self.type}; got '{value}'."
            ) from exc
        if self.min is not None and out < self.min:
            raise InvalidParameterError(f"Parameter '{self.name}' must be ≥ {self.min}; got {out}.")
        if self.max is not None and out > self.max:
            raise InvalidParameterError(f"Parameter '{self.name}' must be ≤ {self.max}; got {out}.")
        return out

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "default": self.default, "min": self.min,
                "max": self.max, "choices": list(self.choices) if self.choices else None, "help": self.help,
                "label": self.label or self.name.replace("_", " ").capitalize()}


@dataclass(frozen=True)
class GeneratorSpec:
    """What the registry knows about a generator before importing its library."""

    name: str
    family: str
    library: str
    description: str
    params: tuple[ParamSpec, ...] = ()
    neural: bool = False
    requires: tuple[str, ...] = ()
    epochs_param: str | None = None  # the parameter that counts epochs / iterations
    title: str = ""  # what an analyst reads in forms; ``name`` stays the CLI/API handle
    recommended: bool = False  # the default of the Generate page and of ``generate`` without --generator
    test_only: bool = False  # a test double: kept out of the analyst's lists (``list_generators``)

    def available(self) -> tuple[bool, str | None]:
        """Whether the library imports here, and if not, why (never raises)."""
        return _importable(self.requires)

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def validate(self, params: dict[str, Any] | None) -> dict[str, Any]:
        """Defaults merged with ``params``, coerced and bound-checked; unknown names are refused."""
        params = dict(params or {})
        by_name = {p.name: p for p in self.params}
        unknown = sorted(set(params) - set(by_name))
        if unknown:
            valid = ", ".join(by_name) or "none"
            raise InvalidParameterError(
                f"Generator '{self.name}' has no parameter {', '.join(unknown)}. Valid parameters: {valid}."
            )
        return {name: spec.coerce(params.get(name, spec.default)) for name, spec in by_name.items()}

    def to_json(self) -> dict[str, Any]:
        ok, reason = self.available()
        return {"name": self.name, "title": self.title or self.name, "family": self.family, "library": self.library,
                "description": self.description, "neural": self.neural, "recommended": self.recommended,
                "test_only": self.test_only, "available": ok,
                "reason": reason, "params": [p.to_json() for p in self.params]}


@lru_cache(maxsize=None)
def _importable(modules: tuple[str, ...]) -> tuple[bool, str | None]:
    for module in modules:
        try:
            importlib.import_module(module)
        except Exception as exc:  # any import failure makes the generator unavailable, not the page
            return False, f"{module} failed to import: {type(exc).__name__}: {exc}"
    return True, None


def seed_everything(seed: int) -> None:
    """Seed every global RNG the libraries draw from (numpy, random, torch)."""
    seed = int(seed) % (2**32)
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch

        torch.manual_seed(seed)
    except ImportError:  # torch-free generators still work
        pass


class Generator(ABC):
    """Fit on a real table, then sample any number of rows in the real table's shape."""

    spec: ClassVar[GeneratorSpec]
    _sampling: Reporter | None  # set only while ``sample`` runs, for ``sample_progress``

    def __init__(self, random_state: int = 0, **params: Any) -> None:
        self.random_state = int(random_state)
        self.params = self.spec.validate(params)

    # --- the public interface -----------------------------------------------------------------
    def fit(self, df: pd.DataFrame, metadata: TableMetadata | None = None,
            progress: Progress | None = None, cancel: CancelFn | None = None) -> Generator:
        """Learn the table. ``progress(fraction, message)`` is called per epoch or step; a fraction of
        0 is a step nothing measures (the job shows no remaining time for it, see ``run.Pace``)."""
        from mdg_core.generators.shape import ShapeProfile

        if df.empty or len(df) < 2:
            raise GeneratorError("A generator needs at least 2 real rows to learn from.")
        self.metadata_ = metadata or detect_table_metadata(df)
        self.shape_ = ShapeProfile.learn(df)
        self.columns_ = list(df.columns)
        model_cols = [c for c in df.columns if c not in self.metadata_.replaced_columns]
        if not model_cols:
            raise GeneratorError("Every column is a key or PII; nothing is left to model.")
        self.model_columns_ = model_cols
        seed_everything(self.random_state)
        reporter = Reporter(progress, cancel)
        reporter.step(0, 1, "Preparing")
        started = time.perf_counter()
        self._fit(df[model_cols].reset_index(drop=True), reporter)
        self.fit_seconds_ = time.perf_counter() - started
        self.epoch_seconds_ = reporter.epoch_seconds[-1] if reporter.epoch_seconds else None
        reporter.step(1, 1, "Fitted")
        return self

    def sample(self, n: int, seed: int | None = None, conditions: dict[str, Any] | None = None,
               progress: Progress | None = None) -> pd.DataFrame:
        """``n`` rows in the real shape; with ``conditions`` every row has those fixed values."""
        if not hasattr(self, "shape_"):
            raise GeneratorError("Fit the generator before sampling.")
        n = int(n)
        if n < 1:
            raise InvalidParameterError("The number of rows must be at least 1.")
        seed = self.random_state if seed is None else int(seed)
        conditions = self._check_conditions(conditions)
        reporter = Reporter(progress, None)
        seed_everything(seed)
        self._sampling = reporter
        try:
            raw = self._sample_conditions(n, seed, conditions, reporter) if conditions else self._sample(n, seed)
        finally:
            self._sampling = None
        out = self._finish(raw, n, seed, progress=reporter)
        if conditions:
            for col, value in conditions.items():
                out[col] = pd.Series([value] * len(out), index=out.index).astype(out[col].dtype)
        reporter.step(1, 1, f"Sampled {len(out):,} rows")
        return out

    # --- what a backend implements --------------------------------------------------------------
    @abstractmethod
    def _fit(self, df: pd.DataFrame, reporter: Reporter) -> None:
        """Fit on the modelled columns (no key, no PII)."""

    @abstractmethod
    def _sample(self, n: int, seed: int) -> pd.DataFrame:
        """About ``n`` rows of the modelled columns (global RNGs are already seeded)."""

    def _sample_conditions(self, n: int, seed: int, conditions: dict[str, Any],
                           reporter: Reporter) -> pd.DataFrame:
        """Rows matching ``conditions``: reject-and-resample unless a backend does better."""
        kept: list[pd.DataFrame] = []
        have, batch, rounds = 0, max(n, 100), 0
        while have < n:
            rounds += 1
            if rounds > 30:
                raise GeneratorError(
                    f"Only {have} of {n} sampled rows matched {conditions} after {rounds - 1} rounds; "
                    "the value may be too rare in the real data for this generator."
                )
            seed_everything(seed + rounds)
            raw = self._sample(batch, seed + rounds)
            shaped = self._finish(raw, len(raw), seed + rounds, fill_replaced=False)
            mask = pd.Series(True, index=shaped.index)
            for col, value in conditions.items():
                mask &= shaped[col].eq(value).fillna(False).astype(bool)
            kept.append(raw.loc[mask.to_numpy()])
            have += int(mask.sum())
            rate = max(have / (rounds * batch), 1e-3)
            batch = int(min(max((n - have) / rate * 1.2, 100), 50 * n + 1000))
            reporter.step(min(have, n), n, f"Conditional sampling: {min(have, n):,}/{n:,} rows")
        return pd.concat(kept, ignore_index=True).iloc[:n]

    # --- shared helpers ------------------------------------------------------------------------------
    def sample_progress(self, fraction: float, message: str, /) -> None:
        """A ``Progress`` for slow ``_sample`` implementations: the share of rows drawn so far, to the
        caller of ``sample``."""
        reporter = getattr(self, "_sampling", None)
        if reporter is not None:
            reporter(fraction, message)

    def renumber_keys(self, df: pd.DataFrame) -> pd.DataFrame:
        """Unique keys again after rows from several sampling rounds were put together."""
        from mdg_core.generators.shape import _keys

        key = self.metadata_.primary_key
        if key and key in df.columns:
            df = df.copy()
            df[key] = pd.Series(_keys(self.shape_.get(key), len(df)), index=df.index).astype(df[key].dtype)
        return df

    def _check_conditions(self, conditions: dict[str, Any] | None) -> dict[str, Any]:
        if not conditions:
            return {}
        unknown = [c for c in conditions if c not in self.columns_]
        if unknown:
            raise InvalidParameterError(f"Condition column(s) not in the data: {', '.join(unknown)}.")
        replaced = [c for c in conditions if c in self.metadata_.replaced_columns]
        if replaced:
            raise InvalidParameterError(
                f"Column(s) {', '.join(replaced)} are replaced by fakes or keys and cannot be conditioned on."
            )
        return {c: self.shape_.coerce_value(c, v) for c, v in conditions.items()}

    def _finish(self, raw: pd.DataFrame, n: int, seed: int, fill_replaced: bool = True,
                progress: Progress | None = None) -> pd.DataFrame:
        from mdg_core.generators.shape import fill_replaced_columns

        raw = raw.reset_index(drop=True).iloc[:n]
        if len(raw) < n:
            raise GeneratorError(f"The generator returned {len(raw)} of {n} rows.")
        out = raw.copy()
        if fill_replaced:
            out = fill_replaced_columns(out, self.metadata_, self.shape_, n, seed, progress)
        else:
            for col in self.metadata_.replaced_columns:
                out[col] = pd.NA
        return self.shape_.restore(out, seed, free=tuple(self.metadata_.replaced_columns))


class Reporter:
    """A ``Progress`` that forwards to the caller's and turns a cancel request into ``CancelledError``.

    ``step(done, total, message)`` is the backends' counting convenience (like tqdm): it reports
    ``done / total``. A step nothing measures reports 0 (``step(0, 1, ...)``)."""

    def __init__(self, progress: Progress | None, cancel: CancelFn | None) -> None:
        self.progress = progress
        self.cancel = cancel
        self.started = time.perf_counter()
        self.epoch_seconds: list[float] = []  # running mean seconds per epoch, one entry per epoch

    def __call__(self, fraction: float, message: str, /) -> None:
        if self.cancel is not None and self.cancel():
            raise CancelledError("Cancelled by the analyst; nothing was saved.")
        if self.progress is not None:
            self.progress(fraction, message)

    def step(self, done: float, total: float, message: str) -> None:
        """Report ``done`` of ``total`` as the fraction ``done / total`` (0 when there is no total)."""
        self(done / total if total else 0.0, message)

    @contextmanager
    def epochs(self, modules: list[tuple[str, str]], label: str = "Epoch") -> Iterator[None]:
        """Report each pass of the libraries' own epoch loops (their ``tqdm``) as progress."""
        from mdg_core.generators._hooks import patch_progress

        with patch_progress(modules, self, label):
            yield
