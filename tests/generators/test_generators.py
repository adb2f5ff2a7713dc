"""Every installed generator fits and samples real data in the real shape; seeds reproduce rows."""

from __future__ import annotations

import pandas as pd
import pytest

from mdg_core.errors import InvalidParameterError, UnknownGeneratorError
from mdg_core.generators import get, list_generators, metadata as md
from mdg_core.generators.registry import GENERATORS, availability, spec

# the fewest epochs/iterations that still run each model's real training loop
TINY = {
    "sdv_ctgan": {"epochs": 1, "batch_size": 100},
    "sdv_tvae": {"epochs": 1, "batch_size": 100},
    "sdv_copulagan": {"epochs": 1, "batch_size": 100},
    "synthcity_ctgan": {"n_iter": 1, "batch_size": 100},
    "synthcity_tvae": {"n_iter": 1, "batch_size": 100},
    "synthcity_nflow": {"n_iter": 1, "batch_size": 100},
    "synthcity_ddpm": {"n_iter": 2, "batch_size": 100, "num_timesteps": 20},
    "synthcity_dpgan": {"n_iter": 1, "batch_size": 100},
    "synthcity_pategan": {"n_iter": 1, "generator_n_iter": 2, "batch_size": 100},
    "synthcity_arf": {"num_trees": 5, "max_iters": 1},
    "synthcity_bayesian_network": {"struct_max_indegree": 2},
}
REQUIRED = {"sdv_gaussian_copula", "sdv_ctgan", "sdv_tvae", "sdv_copulagan", "copy_rows",
            "synthcity_bayesian_network", "synthcity_arf", "synthcity_ctgan", "synthcity_tvae", "synthcity_ddpm",
            "synthcity_nflow", "synthcity_marginal_distributions", "synthcity_privbayes", "synthcity_aim",
            "synthcity_dpgan", "synthcity_pategan"}


def test_registry_lists_every_required_generator_with_specs() -> None:
    listed = {g["name"]: g for g in list_generators()}
    assert set(listed) >= REQUIRED
    for g in listed.values():
        assert g["family"] and g["description"] and isinstance(g["available"], bool)
        assert g["available"] or g["reason"]
    assert {p["name"] for p in listed["synthcity_pategan"]["params"]} >= {"epsilon", "n_iter"}


def test_unknown_generator_and_bad_params_are_refused_with_help() -> None:
    with pytest.raises(UnknownGeneratorError, match="sdv_gaussian_copula"):
        get("gpt_magic")
    with pytest.raises(InvalidParameterError, match="epochs"):
        get("sdv_ctgan", epochs=0)
    with pytest.raises(InvalidParameterError, match="Valid parameters: .*epochs"):
        get("sdv_ctgan", epoch=5)
    assert spec("sdv_ctgan").validate({"epochs": "7"})["epochs"] == 7


def _check_shape(real: pd.DataFrame, out: pd.DataFrame) -> None:
    assert list(out.columns) == list(real.columns)
    for col in real.columns:
        r, s = real[col], out[col]
        if pd.api.types.is_integer_dtype(r.dtype):
            assert pd.api.types.is_integer_dtype(s.dtype), col
        else:
            assert s.dtype == r.dtype, (col, s.dtype, r.dtype)
        if pd.api.types.is_numeric_dtype(r.dtype) or pd.api.types.is_datetime64_any_dtype(r.dtype):
            assert s.dropna().between(r.min(), r.max()).all(), col
        elif r.nunique() < 30:
            assert set(s.dropna()) <= set(r.dropna()), col
        assert abs(s.isna().mean() - r.isna().mean()) <= 1 / len(out) + 1e-9, col


# (generators other helpers register, e.g. the local-LLM one, are tested in their own packages)
# AIM, PrivBayes and PATE-GAN (xgboost teachers) take 30–70 s each even on 200 rows on this CPU
SLOW = {"synthcity_aim", "synthcity_privbayes", "synthcity_bayesian_network", "synthcity_pategan"}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n
                                  for n in sorted(REQUIRED & set(GENERATORS))])
def test_each_installed_generator_fits_and_samples_in_the_real_shape(name: str, penguins: pd.DataFrame) -> None:
    state = availability()[name]
    if not state["available"]:
        pytest.skip(f"{name} unavailable here: {state['reason']}")
    seen: list[str] = []
    gen = get(name, random_state=3, **TINY.get(name, {}))
    gen.fit(penguins, md.detect_table_metadata(penguins), progress=lambda f, m: seen.append(m))
    assert seen[0] == "Preparing" and seen[-1] == "Fitted"
    if spec(name).neural and name != "synthcity_pategan":
        assert any(m.startswith(("Epoch", "Step", "Generator epoch")) for m in seen), seen
    out = gen.sample(60, seed=5)
    assert len(out) == 60
    _check_shape(penguins, out)
    # the bill measurements have one decimal in the real data: so must the synthetic ones
    assert (out["bill_length_mm"].dropna() * 10).round(6).mod(1).eq(0).all()


@pytest.mark.parametrize("name", ["sdv_gaussian_copula", "copy_rows", "synthcity_marginal_distributions"])
def test_same_seed_same_rows_other_seed_other_rows(name: str, customers: pd.DataFrame) -> None:
    meta = md.detect_table_metadata(customers)
    a = get(name, random_state=1).fit(customers, meta).sample(80, seed=11)
    b = get(name, random_state=1).fit(customers, meta).sample(80, seed=11)
    c = get(name, random_state=1).fit(customers, meta).sample(80, seed=12)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_pii_is_faked_and_keys_are_fresh(customers: pd.DataFrame) -> None:
    meta = md.detect_table_metadata(customers)
    assert meta.primary_key == "customer_id" and {"email", "name", "phone"} <= set(meta.pii)
    out = get("copy_rows").fit(customers, meta).sample(150, seed=2)
    assert out["customer_id"].is_unique and out["customer_id"].str.match(r"^C\d{5}$").all()
    # the sample itself was made with Faker, so a few fakes may coincide; copying would give ~100 %
    assert out["email"].isin(set(customers["email"])).mean() < 0.5
    assert out["email"].str.contains("@").all()
    _check_shape(customers, out)


@pytest.mark.parametrize("name", ["sdv_gaussian_copula", "copy_rows"])
def test_conditional_sampling_returns_only_matching_rows(name: str, customers: pd.DataFrame) -> None:
    gen = get(name, random_state=0).fit(customers, md.detect_table_metadata(customers))
    out = gen.sample(50, seed=4, conditions={"churned": "yes", "plan": "pro"})
    assert len(out) == 50
    assert out["churned"].eq("yes").all() and out["plan"].eq("pro").all()
    with pytest.raises(InvalidParameterError, match="no such value"):
        gen.sample(5, seed=1, conditions={"churned": "maybe"})


def test_wide_categorical_is_modelled_as_one_number_not_one_hot(penguins: pd.DataFrame) -> None:
    """An ID-like category (here 120 tail numbers) would be 120 one-hot inputs for CTGAN."""
    df = penguins.copy()
    df["tail"] = [f"N{i % 120:03d}" for i in range(len(df))]
    meta = md.detect_table_metadata(df)
    assert meta.sdtypes["tail"] == "categorical"
    narrow = get("sdv_ctgan", random_state=0, epochs=1, batch_size=100, one_hot_limit=100).fit(df, meta)
    assert narrow.wide_categoricals_ == ["tail"]
    out = narrow.sample(80, seed=1)
    assert set(out["tail"]) <= set(df["tail"]) and out["tail"].nunique() > 20
    wide = get("sdv_ctgan", random_state=0, epochs=1, batch_size=100, one_hot_limit=0).fit(df, meta)
    assert not getattr(wide, "wide_categoricals_", [])


def test_long_synthcity_draws_report_rows_as_they_come(penguins: pd.DataFrame) -> None:
    gen = get("synthcity_ddpm", random_state=0, **TINY["synthcity_ddpm"]).fit(penguins,
                                                                           md.detect_table_metadata(penguins))
    seen: list[str] = []
    out = gen.sample(12_000, seed=2, progress=lambda f, m: seen.append(m))
    assert len(out) == 12_000
    assert seen[:3] == ["Sampled 5,000 of 12,000 rows", "Sampled 10,000 of 12,000 rows",
                        "Sampled 12,000 of 12,000 rows"]
    pd.testing.assert_frame_equal(out, gen.sample(12_000, seed=2))


def test_codec_caps_wide_columns_and_draws_rare_values_from_the_real_set() -> None:
    from mdg_core.generators.synthcity_plugins import _Codec

    df = pd.DataFrame({"tail": [f"N{i % 60:02d}" if i % 7 else None for i in range(600)],
                       "dist": [float(i * 37 % 997) for i in range(600)]})
    codec = _Codec(bins=10, max_categories=10).fit(df)
    enc = codec.encode(df)
    assert enc["tail"].nunique() == 11 and enc["dist"].nunique() == 10  # 9 kept + rare + missing
    out = codec.decode(enc)
    assert out["tail"].isna().sum() == df["tail"].isna().sum()
    assert set(out["tail"].dropna()) <= set(df["tail"].dropna()) and out["tail"].nunique() > 30
    assert out["dist"].between(df["dist"].min(), df["dist"].max()).all()


@pytest.mark.slow
def test_privbayes_keeps_its_tables_small_on_wide_numeric_columns(penguins: pd.DataFrame) -> None:
    """Upstream treats every distinct number as a category: 600 distinct values in three columns
    made conditional tables of 600^4 cells."""
    df = penguins.copy()
    df["tail"] = [f"N{i % 150:03d}" for i in range(len(df))]
    gen = get("synthcity_privbayes", random_state=0, n_bins=8).fit(df, md.detect_table_metadata(df))
    model = gen.plugin_.model
    assert max(cpd.values.size for cpd in model.network.get_cpds()) <= 8 ** (model.K + 1)
    out = gen.sample(200, seed=1)
    _check_shape(df, out)
    assert set(out["tail"]) <= set(df["tail"])


def _fit_steps(name: str, df: pd.DataFrame, **params: object) -> tuple[object, list[tuple[float, str]]]:
    seen: list[tuple[float, str]] = []
    gen = get(name, random_state=0, **params)
    gen.fit(df, md.detect_table_metadata(df), progress=lambda f, m: seen.append((f, m)))
    return gen, seen


def test_gaussian_copula_reports_each_column_as_it_is_fitted(penguins: pd.DataFrame) -> None:
    """Issue 14: a 30-second copula showed 'remaining 9 min' from its 2 % 'preparing' step; now its
    real steps arrive as they happen, and only the per-column count is a measurable rising fraction."""
    _, seen = _fit_steps("sdv_gaussian_copula", penguins)
    messages = [m for _, m in seen]
    assert "Encoding the columns (RDT)" in messages and "Correlations between the columns" in messages
    assert all(f == 0 for f, m in seen if m in ("Encoding the columns (RDT)", "Correlations between the columns"))
    p = len(penguins.columns)
    columns = [f for f, m in seen if m.startswith("Column distribution ")]
    assert columns == pytest.approx([done / p for done in range(1, p + 1)])
    assert messages.index("Encoding the columns (RDT)") < messages.index(f"Column distributions 0/{len(penguins.columns)}")
    assert "Column distribution 6/8: body_mass_g" in messages


def test_neural_encoders_report_columns_but_no_measurable_count_before_the_epochs(penguins: pd.DataFrame) -> None:
    """The per-column mixture encoders of CTGAN come before training: their count is in the text only
    (fraction 0), so no remaining time is measured from them; the epochs are counted from the loop's start."""
    _, seen = _fit_steps("sdv_ctgan", penguins, epochs=2, batch_size=100)
    encoders = [(f, m) for f, m in seen if m.startswith("Column encoder")]
    assert len(encoders) == len(penguins.columns) + 1  # the start, then one per column
    assert all(f == 0 for f, _ in encoders)
    assert any("(mixture model)" in m and "bill_length_mm" in m for _, m in encoders)
    epochs = [(f, m.split(" · ")[0]) for f, m in seen if m.startswith("Epoch") or m == "Training: 2 epochs to run"]
    # the pace is measured from the loop's start
    assert epochs == [(0, "Training: 2 epochs to run"), (0.5, "Epoch 1/2"), (1.0, "Epoch 2/2")]


def test_synthcity_bayesian_network_and_forest_report_their_steps(penguins: pd.DataFrame) -> None:
    _, seen = _fit_steps("synthcity_arf", penguins, num_trees=5, max_iters=2)
    rounds = [m for _, m in seen if m.startswith("Adversarial forest")]
    assert rounds[0] == "Adversarial forest: the first discriminator"
    assert all(f == 0 for f, m in seen if m.startswith("Adversarial"))  # early stop: no remaining time
    small = penguins.head(120)
    _, seen = _fit_steps("synthcity_bayesian_network", small, struct_max_indegree=2)
    messages = [m for _, m in seen]
    assert any(m.startswith("Column encoder") and "bill_depth_mm" in m for m in messages)
    assert "Network structure: a tree over the columns" in messages
    tables = [f for f, m in seen if m.startswith("Conditional table ")]
    assert tables and tables == pytest.approx([done / len(tables) for done in range(1, len(tables) + 1)])
    assert any("(missing or not)" in m for m in messages)  # the codec's indicator columns in words


@pytest.mark.parametrize("name", ["sdv_tvae", "synthcity_ctgan"])
def test_time_budget_stops_training_at_an_epoch_end_and_says_so(name: str, penguins: pd.DataFrame) -> None:
    epochs = "epochs" if name.startswith("sdv") else "n_iter"
    gen, seen = _fit_steps(name, penguins, **{epochs: 5000, "batch_size": 100, "time_budget_minutes": 0.002})
    log = gen.training_  # type: ignore[attr-defined]
    assert log["stopped_by_time_budget"] is True and log["time_budget_minutes"] == 0.002
    assert log["epochs_planned"] == 5000 and 1 <= log["epochs_run"] < 5000
    assert any(m.startswith("Time budget spent: kept the model after epoch") for _, m in seen)
    out = gen.sample(40, seed=1)  # type: ignore[attr-defined]
    _check_shape(penguins, out)
    labels = {p["name"]: p["label"] for p in spec(name).to_json()["params"]}
    assert labels["time_budget_minutes"].startswith("Time budget")
    # without a budget every epoch runs
    gen, _ = _fit_steps(name, penguins.head(60), **{epochs: 2, "batch_size": 20})
    assert gen.training_ == {"epochs_planned": 2, "epochs_run": 2,  # type: ignore[attr-defined]
                             "time_budget_minutes": None, "stopped_by_time_budget": False}


def test_a_budget_stopped_run_is_recorded_as_such(store, penguins: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    from mdg_core import jobs

    real = store.save(penguins, "penguins")
    result = jobs.run_inline(store, "generate", {
        "dataset_id": real.id, "generator": "sdv_tvae", "seed": 1, "n_rows": 50,
        "params": {"epochs": 5000, "batch_size": 100, "time_budget_minutes": 0.002}})
    run = store.run_for_output(result["output_dataset_id"])
    assert run["params"]["time_budget_minutes"] == 0.002
    assert run["meta"]["training"]["stopped_by_time_budget"] is True
    assert run["meta"]["training"]["epochs_run"] < 5000
    # the estimate comes from the data's shape (no calibration fits), capped by the budget
    assert 0 < result["estimated_fit_seconds"] <= 0.002 * 60 + 60


def test_remaining_time_is_measured_within_a_phase_only() -> None:
    """No remaining time from a fraction of 0 (set-up) or a phase's first report; the pace of a phase
    is timed from its own start (not the set-up before it); a falling fraction starts a new phase; a
    time budget caps it."""
    from mdg_core.generators.run import Pace

    pace = Pace()
    pace.started = 0.0
    assert pace.remaining(0, now=0.0) is None  # "Preparing"
    assert pace.remaining(0, now=50.0) is None  # a long unmeasured step (encoders)
    assert pace.remaining(0, now=60.0) is None  # the epoch loop starts
    assert pace.remaining(0.1, now=62.0) == pytest.approx(18.0)  # 2 s an epoch, 9 left
    assert pace.remaining(0.5, now=70.0) == pytest.approx(10.0)
    assert pace.remaining(1.0, now=80.0) is None  # "Fitted"
    assert pace.remaining(0.2, now=100.0) is None  # the fraction fell: a new phase, its first report
    assert pace.remaining(0.4, now=104.0) == pytest.approx(12.0)  # 2 s per 0.1 since 0.2, not since 60 s
    budget = Pace(deadline_minutes=1.0)
    budget.deadline = 60.0
    budget.remaining(0, now=10.0)
    assert budget.remaining(0.01, now=20.0) == pytest.approx(40.0)  # 990 s measured, the budget ends sooner
