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
    gen.fit(penguins, md.detect_table_metadata(penguins), progress=lambda d, t, m: seen.append(m))
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


def test_fit_time_estimate_is_made_before_fitting(penguins: pd.DataFrame) -> None:
    gen = get("sdv_tvae", random_state=0, epochs=3, batch_size=100)
    estimate = gen.estimate_fit_seconds(penguins, md.detect_table_metadata(penguins))
    assert estimate is not None and estimate > 0
    assert get("sdv_gaussian_copula").estimate_fit_seconds(penguins) is None


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
    out = gen.sample(12_000, seed=2, progress=lambda d, t, m: seen.append(m))
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
