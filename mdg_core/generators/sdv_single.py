"""SDV single-table synthesizers: GaussianCopula, CTGAN, TVAE, CopulaGAN.

SDV 2.x takes ``Metadata`` built from ``{table_name: DataFrame}``; we build it from the analyst's
confirmed types for the modelled columns. Inequality and fixed-combination rules go to SDV's own
constraint support (``sdv.cag``); reject-and-resample in ``mdg_core.rules.enforce`` still checks
every row. Progress is real steps (see ``_hooks``): the encoding, then GaussianCopula's column
distributions one by one, or the neural models' per-column mixture encoders and each epoch. Neural
models take a time budget: no new epoch starts once it is spent.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pandas as pd

from mdg_core.errors import GeneratorError, InvalidParameterError, MdgError
from mdg_core.generators._hooks import on_each_call, patch_progress
from mdg_core.generators.base import Generator, GeneratorSpec, ParamSpec, Reporter
from mdg_core.generators.shape import plain

log = logging.getLogger(__name__)
_EPOCH_LOOPS = [("ctgan.synthesizers.ctgan", "tqdm"), ("ctgan.synthesizers.tvae", "tqdm")]
_REQUIRES = ("sdv.single_table",)
_COMMON = (
    ParamSpec("enforce_min_max_values", "bool", True, help="Keep numbers inside the real min/max.",
              label="Keep numbers within the real min/max"),
    ParamSpec("enforce_rounding", "bool", True, help="Round numbers like the real values.",
              label="Round like the real values"),
)
_NEURAL = (
    ParamSpec("epochs", "int", 300, 1, 10_000, help="Training passes over the data."),
    ParamSpec("batch_size", "int", 500, 10, 100_000, help="Rows per training step (multiple of 10)."),
    ParamSpec("time_budget_minutes", "float", 0.0, 0.0, 10_080.0,
              help="Stop training once this many minutes have passed since the fit began, at the end "
                   "of an epoch, and keep the model from the last finished epoch (at least one runs). "
                   "0: train every epoch.", label="Time budget (minutes, 0 = none)"),
    ParamSpec("one_hot_limit", "int", 200, 0, 100_000,
              help="Categorical columns with more distinct values than this are modelled as one "
                   "frequency-preserving number instead of one-hot columns (0: always one-hot).",
              label="One-hot limit"),
)


class _SdvGenerator(Generator):
    """Shared fit/sample for SDV single-table synthesizers."""

    synth_class: str = ""

    def _make(self, metadata: Any) -> Any:
        from sdv import single_table

        cls = getattr(single_table, self.synth_class)
        kwargs = dict(self.params)
        kwargs.pop("one_hot_limit", None)
        kwargs.pop("time_budget_minutes", None)
        if self.spec.neural:
            kwargs["enable_gpu"] = False
            if kwargs["batch_size"] % 10:
                raise InvalidParameterError("batch_size must be a multiple of 10 (CTGAN's pac size).")
        return cls(metadata, **kwargs)

    def _encode_wide_categoricals(self, synth: Any, data: pd.DataFrame) -> None:
        """Give categorical columns with many values SDV's ``UniformEncoder`` (one float each).

        CTGAN/TVAE one-hot every categorical column: a 3,000-value tail number becomes 3,000
        inputs, and an epoch on a 30k-row table then takes a minute instead of seconds. SDV
        prints a PerformanceAlert and recommends exactly this ``update_transformers`` step; we
        apply it so an analyst never has to. The encoder keeps each category's frequency.
        """
        limit = int(self.params.get("one_hot_limit") or 0)
        if not limit:
            return
        from rdt.transformers.categorical import UniformEncoder

        synth.auto_assign_transformers({"table": data})
        (table,) = synth.metadata.to_dict()["tables"].values()
        columns = table["columns"]
        wide = {col: UniformEncoder() for col in synth.get_transformers()
                if col in data.columns and columns.get(col, {}).get("sdtype") == "categorical"
                and data[col].nunique(dropna=False) > limit}
        if wide:
            synth.update_transformers(wide)
        self.wide_categoricals_ = sorted(wide)

    def _fit(self, df: pd.DataFrame, reporter: Reporter) -> None:
        from mdg_core.generators.metadata import sdv_metadata

        data = plain(df)
        metadata = sdv_metadata(data, self.metadata_)
        constraints = self._constraints(data)
        self.sdv_constraints_ = []
        budget = self.params.get("time_budget_minutes")
        with warnings.catch_warnings(), _steps(reporter), \
                patch_progress(_EPOCH_LOOPS, reporter, time_budget_minutes=budget) as training:
            warnings.simplefilter("ignore")
            synth = self._make(metadata)
            fitted = False
            if constraints:
                try:
                    synth.add_constraints(constraints)
                    self._prepare(synth, data)
                    synth.fit({"table": data})
                    self.sdv_constraints_ = [type(c).__name__ for c in constraints]
                    fitted = True
                except Exception as exc:  # SDV refused the constraint: reject-and-resample still applies
                    if isinstance(exc, MdgError):  # ours (a cancel, a bad input) is never SDV's refusal
                        raise
                    log.warning("SDV constraints not usable (%s); relying on reject-and-resample", exc)
                    synth = self._make(sdv_metadata(data, self.metadata_))
            if not fitted:
                self._prepare(synth, data)
                synth.fit({"table": data})
        self.synth_ = synth
        if self.spec.neural:
            self.training_ = training.to_json()

    def _prepare(self, synth: Any, data: pd.DataFrame) -> None:
        if self.spec.neural:
            self._encode_wide_categoricals(synth, data)

    def _constraints(self, data: pd.DataFrame) -> list[Any]:
        """SDV versions of the rules that only touch modelled columns."""
        from sdv.cag import FixedCombinations, Inequality

        from mdg_core.rules.model import FixedCombination, Inequality as Ineq

        out: list[Any] = []
        for rule in self.metadata_.rules:
            if not all(c in data.columns for c in rule.columns()):
                continue
            if isinstance(rule, Ineq):
                out.append(Inequality(low_column_name=rule.low, high_column_name=rule.high,
                                      strict_boundaries=rule.strict))
            elif isinstance(rule, FixedCombination):
                out.append(FixedCombinations(column_names=list(rule.column_names)))
        return out

    def _reset(self, seed: int) -> None:
        self.synth_.reset_sampling()
        self.synth_._set_random_state(int(seed) % (2**32))

    def _sample(self, n: int, seed: int) -> pd.DataFrame:
        self._reset(seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = self.synth_.sample(num_rows=n)
        return _table(out)

    def _sample_conditions(self, n: int, seed: int, conditions: dict[str, Any],
                           reporter: Reporter) -> pd.DataFrame:
        """SDV's own conditional sampling (exact for GaussianCopula), else reject-and-resample."""
        from sdv.sampling import Condition

        self._reset(seed)
        values = {k: (v.item() if hasattr(v, "item") else v) for k, v in conditions.items()}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = _table(self.synth_.sample_from_conditions([Condition(values, num_rows=n)]))
        except Exception as exc:
            log.info("SDV conditional sampling failed (%s); using reject-and-resample", exc)
            return super()._sample_conditions(n, seed, conditions, reporter)
        if len(out) < n:
            raise GeneratorError(f"SDV produced {len(out)} of {n} rows for {conditions}.")
        return out


@contextmanager
def _steps(reporter: Reporter) -> Iterator[None]:
    """Report SDV's real steps: the encoding, each column's distribution (GaussianCopula) or each
    column's encoder (CTGAN/TVAE fit a mixture model per number: minutes on a wide table).

    A count is reported as the fraction ``done/total`` (from which the job measures a remaining time)
    only where it measures the rest of the fit: GaussianCopula's columns. The neural encoders come
    before the epochs, so their count is in the text, the fraction stays 0 and the remaining time
    waits for the epochs."""
    from copulas.multivariate.gaussian import GaussianMultivariate
    from ctgan.data_transformer import DataTransformer
    from sdv.single_table.base import BaseSingleTableSynthesizer

    count = {"done": 0, "total": 0}

    def start(total: int, message: str, measured: bool) -> None:
        count.update(done=0, total=total)
        reporter.step(0, total if measured else 1, message)

    def column(name: Any, what: str, measured: bool) -> None:
        count["done"] += 1
        done, total = count["done"], max(count["total"], count["done"])
        reporter.step(done if measured else 0, total if measured else 1, f"{what} {done}/{total}: {name}")

    hooks = [
        (BaseSingleTableSynthesizer, "preprocess",
         lambda *a, **k: reporter.step(0, 1, "Encoding the columns (RDT)"), None),
        (GaussianMultivariate, "_fit_columns",
         lambda model, x, *a, **k: start(x.shape[1], f"Column distributions 0/{x.shape[1]}", True), None),
        (GaussianMultivariate, "_fit_column", None,
         lambda model, col, dist, name, *a, **k: column(name, "Column distribution", True)),
        (GaussianMultivariate, "_get_correlation",
         lambda *a, **k: reporter.step(0, 1, "Correlations between the columns"), None),
        (DataTransformer, "fit",
         lambda tr, raw, *a, **k: start(raw.shape[1], f"Column encoders 0/{raw.shape[1]}", False), None),
        (DataTransformer, "_fit_continuous", None,
         lambda tr, data, *a, **k: column(data.columns[0], "Column encoder (mixture model)", False)),
        (DataTransformer, "_fit_discrete", None,
         lambda tr, data, *a, **k: column(data.columns[0], "Column encoder", False)),
        (DataTransformer, "transform", lambda *a, **k: reporter.step(0, 1, "Encoding the rows for training"), None),
    ]
    with ExitStack() as stack:
        for owner, attr, before, after in hooks:
            stack.enter_context(on_each_call(owner, attr, before=before, after=after))
        yield


def _table(out: Any) -> pd.DataFrame:
    return next(iter(out.values())) if isinstance(out, dict) else out


class GaussianCopula(_SdvGenerator):
    synth_class = "GaussianCopulaSynthesizer"
    spec = GeneratorSpec(
        name="sdv_gaussian_copula", title="Gaussian copula", family="copula", library="SDV",
        description="Fast and robust: per-column distributions joined by a Gaussian copula. The baseline.",
        params=_COMMON + (ParamSpec(
            "default_distribution", "choice", "beta",
            choices=("beta", "norm", "truncnorm", "uniform", "gamma", "gaussian_kde"),
            help="Distribution fitted to numeric columns.", label="Distribution for numbers"),),
        requires=_REQUIRES,
    )


class CTGAN(_SdvGenerator):
    synth_class = "CTGANSynthesizer"
    spec = GeneratorSpec(
        name="sdv_ctgan", title="CTGAN", family="neural", library="SDV",
        description="Conditional GAN for mixed tables; learns complex dependencies, slow on CPU.",
        params=_COMMON + _NEURAL + (ParamSpec("embedding_dim", "int", 128, 8, 1024, help="Noise size."),),
        neural=True, requires=_REQUIRES, epochs_param="epochs",
    )


class TVAE(_SdvGenerator):
    synth_class = "TVAESynthesizer"
    spec = GeneratorSpec(
        name="sdv_tvae", title="TVAE", family="neural", library="SDV",
        description="Variational autoencoder for tables; usually faster and steadier than CTGAN.",
        params=_COMMON + _NEURAL + (ParamSpec("embedding_dim", "int", 128, 8, 1024, help="Latent size."),),
        neural=True, requires=_REQUIRES, epochs_param="epochs",
    )


class CopulaGAN(_SdvGenerator):
    synth_class = "CopulaGANSynthesizer"
    spec = GeneratorSpec(
        name="sdv_copulagan", title="CopulaGAN", family="neural", library="SDV",
        description="CTGAN on copula-transformed numbers; helps with skewed numeric columns.",
        params=_COMMON + _NEURAL,
        neural=True, requires=_REQUIRES, epochs_param="epochs",
    )
