"""Before a run: about how long a generator will take and how much memory it needs, from the data's shape.

Why a model and not a measurement: timing calibration fits before a neural run took about as long as a
3-epoch CTGAN fit itself (issue 14). Here each generator has a few measured costs (start-up seconds,
seconds per training cell — per epoch for neural generators —, seconds per sampled cell, the worker's
base memory and bytes per cell), fitted to the runs in ``bench/results/generate.json`` (flights
26k × 15 and diamonds 43k × 10 training rows) and to runs on this 2-core machine class under load.
The result is an order of magnitude computed in microseconds, shown as a guide with its range (×½ to
×2), never as a promise. Cells are training rows × columns: the train split is the dataset's rows less
the holdout share from the settings, as ``run.prepare_training`` makes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mdg_core.generators import registry

if TYPE_CHECKING:
    from mdg_core.store import DatasetStore

SLOW_SECONDS = 10 * 60  # above this an analyst should know before clicking, and get a shorter option
SUGGEST_SECONDS = 5 * 60  # the budget a suggested epoch count aims at
HOURS_EPOCHS = 300  # CTGAN/TVAE/CopulaGAN's default: hours on a CPU once the table has some size
RANGE = 2.0  # the estimate is shown as [seconds / RANGE, seconds × RANGE]


@dataclass(frozen=True)
class Cost:
    """Measured costs of one generator on this machine class (seconds, MB)."""

    fixed_s: float  # start-up in a fresh worker: imports, model construction
    fit_cell_s: float  # per training cell; per cell and epoch (or step) for neural generators
    sample_cell_s: float  # per sampled cell
    base_mb: float  # the worker's peak memory on a small table
    cell_bytes: float  # extra peak memory per training cell
    per_batch: bool = False  # an "epoch" is one batch step (diffusion), not a pass over every row


_SDV_NEURAL_MB, _SC_MB = (700.0, 500.0), (1300.0, 1500.0)
COSTS: dict[str, Cost] = {
    "sequential_trees": Cost(1.0, 5e-6, 1.5e-6, 500, 250),
    "sdv_gaussian_copula": Cost(2.0, 1.2e-5, 2.5e-6, 600, 120),
    "sdv_ctgan": Cost(3.0, 1.5e-5, 1e-6, *_SDV_NEURAL_MB),
    "sdv_tvae": Cost(3.0, 1.05e-5, 7e-7, *_SDV_NEURAL_MB),
    "sdv_copulagan": Cost(4.0, 1.6e-5, 1.7e-6, *_SDV_NEURAL_MB),
    "synthcity_bayesian_network": Cost(5.0, 2.5e-5, 7e-6, 1300, 700),
    "synthcity_arf": Cost(5.0, 6.5e-4, 5.3e-5, 1400, 700),
    "synthcity_ctgan": Cost(5.0, 2.1e-5, 2.8e-6, *_SC_MB),
    "synthcity_tvae": Cost(5.0, 2.8e-5, 7e-6, *_SC_MB),
    "synthcity_ddpm": Cost(2.0, 4e-5, 9e-4, 950, 150, per_batch=True),
    "synthcity_nflow": Cost(5.0, 1.15e-5, 4e-4, *_SC_MB),
    "synthcity_marginal_distributions": Cost(1.0, 5e-7, 3e-7, 950, 100),
    "synthcity_privbayes": Cost(5.0, 1.5e-4, 2.5e-6, 950, 150),
    "synthcity_aim": Cost(5.0, 6e-5, 3e-7, 950, 150),
    "synthcity_dpgan": Cost(5.0, 1.7e-4, 4.5e-6, 1800, 2500),
    "synthcity_pategan": Cost(5.0, 5.8e-5, 2.5e-6, *_SC_MB),
    "llm_table": Cost(5.0, 1e-6, 0.08, 900, 50),  # ~2 records of 6 fields a second (bench/results/llm-*.json)
    "copy_rows": Cost(0.0, 1e-7, 1e-7, 300, 50),
}
_UNMEASURED = {True: COSTS["synthcity_ctgan"], False: COSTS["synthcity_bayesian_network"]}  # by spec.neural


@dataclass(frozen=True)
class Estimate:
    """What a run will cost, and what to do when that is too much."""

    generator: str
    title: str
    train_rows: int
    columns: int
    sample_rows: int
    fit_seconds: float
    sample_seconds: float
    memory_mb: float
    epochs: int | None = None
    epochs_label: str = "epochs"  # what the generator calls them ("training steps" for diffusion)
    warning: str | None = None  # said before the analyst clicks Generate
    suggested_epochs: int | None = None  # fits in about SUGGEST_SECONDS
    budget_param: str | None = None  # the generator's time-budget parameter, if it has one

    @property
    def seconds(self) -> float:
        return self.fit_seconds + self.sample_seconds

    def text(self) -> str:
        """One line for the form: time with its range, memory, and what it was computed from."""
        run = "fit and sample" + (f", {self.epochs:,} {self.epochs_label}" if self.epochs else "")
        spread = "" if self.seconds * RANGE < 5 else \
            f" ({duration(self.seconds / RANGE)} – {duration(self.seconds * RANGE)} on this machine)"
        return (f"Estimate: {duration(self.seconds)} to {run}{spread}, peak memory about "
                f"{self.memory_mb:,.0f} MB. From the data's shape: {self.train_rows:,} training rows × "
                f"{self.columns} columns, {self.sample_rows:,} rows to sample.")


def duration(seconds: float) -> str:
    """Seconds in words an analyst reads at a glance: "4 s", "12 min", "3.5 h"."""
    if seconds < 10:
        return "a few seconds" if seconds < 5 else f"{seconds:.0f} s"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _per_epoch(cost: Cost, cells: float, columns: int, values: dict[str, Any]) -> float:
    """Seconds of one epoch (one batch step for diffusion: batch size × columns cells)."""
    return cost.fit_cell_s * (float(values.get("batch_size", 1024)) * columns if cost.per_batch else cells)


def _fit_seconds(cost: Cost, cells: float, columns: int, epochs: int | None, values: dict[str, Any]) -> float:
    if epochs is None:
        scale = float(values["num_trees"]) / 30 if "num_trees" in values else 1.0  # ARF's forest size
        return cost.fixed_s + cost.fit_cell_s * cells * scale
    per_epoch = _per_epoch(cost, cells, columns, values)
    seconds = cost.fixed_s + per_epoch * epochs
    budget = float(values.get("time_budget_minutes") or 0)
    if budget > 0:  # training stops at the first epoch end after the budget (at least one epoch runs)
        seconds = min(seconds, cost.fixed_s + max(budget * 60, per_epoch) + per_epoch)
    return seconds


def estimate(generator: str, train_rows: int, columns: int, sample_rows: int,
             params: dict[str, Any] | None = None) -> Estimate:
    """Time and memory of fitting ``generator`` on ``train_rows`` × ``columns`` and sampling
    ``sample_rows`` rows with ``params`` (validated as a run validates them; defaults filled in).

    Neural generators at their default epochs (or slower than ``SLOW_SECONDS``) get a warning with an
    epoch count that fits in about ``SUGGEST_SECONDS`` and, where the generator has one, the time budget."""
    spec = registry.spec(generator)
    values = spec.validate(params)
    cost = COSTS.get(generator, _UNMEASURED[spec.neural])
    train_rows, columns, sample_rows = max(1, int(train_rows)), max(1, int(columns)), max(1, int(sample_rows))
    cells = float(train_rows) * columns
    epochs = int(values[spec.epochs_param]) if spec.epochs_param else None
    label = next((p.label or p.name for p in spec.params if p.name == spec.epochs_param), "epochs").lower()
    fit = _fit_seconds(cost, cells, columns, epochs, values)
    timesteps = float(values.get("num_timesteps", 1000)) / 1000 if cost.per_batch else 1.0
    sample = cost.sample_cell_s * sample_rows * columns * timesteps
    memory = cost.base_mb + cost.cell_bytes * max(cells, float(sample_rows) * columns) / 1e6
    budget_param = "time_budget_minutes" if "time_budget_minutes" in values else None
    budgeted = budget_param is not None and float(values[budget_param] or 0) > 0
    warning, suggested = None, None
    if epochs is not None and not budgeted and (epochs >= HOURS_EPOCHS or fit + sample > SLOW_SECONDS):
        per_epoch = _per_epoch(cost, cells, columns, values)
        suggested = max(1, min(epochs, int((SUGGEST_SECONDS - cost.fixed_s) / per_epoch)))  # the fit's share
        shorter = cost.fixed_s + per_epoch * suggested + sample
        hint = (f"Try {suggested:,} {label} (about {duration(shorter)})" if suggested < epochs
                else "At this size it should still finish in minutes")
        if budget_param and suggested < epochs:
            hint += " or set a time budget (training stops after that many minutes and keeps the last epoch)"
        warning = (f"{spec.title} at {epochs:,} {label} can take hours on a CPU with a larger table; on this "
                   f"one about {duration(fit + sample)}. {hint}.")
        if sample > SUGGEST_SECONDS:
            warning += f" Sampling alone takes about {duration(sample)}: fewer rows to sample shorten it."
        suggested = suggested if suggested < epochs else None
    elif epochs is None and fit + sample > SLOW_SECONDS:
        warning = (f"{spec.title} may take {duration(fit + sample)} on this table on a CPU: start it when it can "
                   "run for a while, or try Sequential trees first (seconds).")
    return Estimate(generator=generator, title=spec.title or generator, train_rows=train_rows, columns=columns,
                    sample_rows=sample_rows, fit_seconds=fit, sample_seconds=sample, memory_mb=memory,
                    epochs=epochs, epochs_label=label, warning=warning, suggested_epochs=suggested, budget_param=budget_param)


def train_rows(n_rows: int, holdout_share: float) -> int:
    """Rows a run trains on: the dataset less its holdout (the rounding ``run.split`` uses)."""
    return int(n_rows) - int(round(float(holdout_share) * int(n_rows)))


def for_dataset(store: DatasetStore, dataset_id: int, generator: str, sample_rows: int,
                params: dict[str, Any] | None = None) -> Estimate:
    """The estimate for a run on a stored dataset with the settings' holdout share (no rows loaded)."""
    from mdg_core.config import load_settings

    info = store.get(dataset_id)
    share = load_settings(store.db_path).holdout_share
    return estimate(generator, train_rows(info.n_rows, share), info.n_cols, sample_rows, params)


def epoch_params(generators: list[str], epochs: int) -> dict[str, dict[str, int]]:
    """Per-generator parameters that train every neural generator among ``generators`` for ``epochs``
    (what Compare generators asks for: one count for all, so they are compared on equal terms)."""
    out: dict[str, dict[str, int]] = {}
    for name in generators:
        spec = registry.spec(name)
        if spec.neural and spec.epochs_param:
            out[name] = {spec.epochs_param: int(epochs)}
    return out


def for_comparison(store: DatasetStore, dataset_id: int, generators: list[str], epochs: int,
                   sample_rows: int | None = None) -> list[Estimate]:
    """One estimate per generator of a comparison (sampling as many rows as the training split when
    ``sample_rows`` is not given, as ``run.compare`` does)."""
    from mdg_core.config import load_settings

    info = store.get(dataset_id)
    rows = train_rows(info.n_rows, load_settings(store.db_path).holdout_share)
    params = epoch_params(generators, epochs)
    return [estimate(name, rows, info.n_cols, sample_rows or rows, params.get(name)) for name in generators]
