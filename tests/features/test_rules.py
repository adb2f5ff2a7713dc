"""Every planted problem is suggested with its evidence; clean columns get nothing; transforms are exact."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mdg_core.errors import RecipeError
from mdg_core.features import steps
from mdg_core.features.registry import RULES
from mdg_core.features.steps import facts_for
from tests.features.planted import planted

EXPECTED = {
    "impute_median:age", "log_transform:income", "parse_dates:signup", "numbers_as_text:amount",
    "drop_constant:source", "flag_id:customer_id", "cap_outliers:latency_ms", "pii:email",
}
CLEAN = ("score", "visits")


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return planted()


@pytest.fixture(scope="module")
def found(df: pd.DataFrame) -> list[steps.Suggestion]:
    return steps.suggest(df, facts_for(df))


def test_each_planted_problem_is_suggested_with_measured_evidence(found) -> None:  # type: ignore[no-untyped-def]
    by_id = {s.id: s for s in found}
    assert set(by_id) >= EXPECTED
    assert "skew 3." in by_id["log_transform:income"].evidence
    assert "100 missing" in by_id["impute_median:age"].evidence
    assert "%d/%m/%Y" in by_id["parse_dates:signup"].evidence
    assert "5 values beyond 3×IQR" in by_id["cap_outliers:latency_ms"].evidence
    assert "IsolationForest" in by_id["cap_outliers:latency_ms"].evidence
    assert "EMAIL_ADDRESS" in by_id["pii:email"].evidence
    for s in found:
        assert s.code and s.explanation and s.evidence and s.rule in RULES


def test_nothing_is_suggested_on_clean_columns(found) -> None:  # type: ignore[no-untyped-def]
    touched = {c for s in found for c in s.columns}
    assert not touched & set(CLEAN)
    assert not any(s.rule == "pii" and s.columns != ["email"] for s in found)


def test_a_clean_table_gets_no_fix_or_privacy_suggestions() -> None:
    rng = np.random.default_rng(3)
    clean = pd.DataFrame({"a": rng.normal(0, 1, 400), "b": rng.poisson(5, 400), "c": rng.uniform(0, 10, 400)})
    assert steps.suggest(clean) == []


def test_apply_twice_gives_identical_data_and_the_script_does_the_same(df, found) -> None:  # type: ignore[no-untyped-def]
    out, recipe = steps.apply_suggestions(df, found, source_dataset_id=7)
    assert "source" not in out and "customer_id" not in out
    assert out["age"].isna().sum() == 0 and out["age_missing"].sum() == 100
    assert str(out["signup"].dtype) == "datetime64[ns]" and out["signup_year"].min() >= 2021
    assert out["amount"].dtype == "float64" and out["amount"].max() > 1000
    assert out["latency_ms"].max() < 900 and out["email"].str.len().eq(16).all()
    again = steps.apply_recipe(df, recipe)
    pd.testing.assert_frame_equal(again, steps.apply_recipe(df, recipe))
    pd.testing.assert_frame_equal(again, out)
    recipe2 = steps.recipe_from_json(steps.recipe_to_json(recipe))
    pd.testing.assert_frame_equal(steps.apply_recipe(df, recipe2), out)
    namespace: dict = {"__name__": "exported"}
    exec(compile(steps.export_script(recipe), "recipe.py", "exec"), namespace)  # noqa: S102
    pd.testing.assert_frame_equal(namespace["apply_recipe"](df), out)


def test_recipe_reapplies_fitted_parameters_to_another_table(df, found) -> None:  # type: ignore[no-untyped-def]
    chosen = [s for s in found if s.id in ("impute_median:age", "log_transform:income", "cap_outliers:latency_ms")]
    _, recipe = steps.apply_suggestions(df, chosen)
    fill = next(s for s in recipe["steps"] if s["rule"] == "impute_median")["params"]["value"]
    other = planted(200, seed=99)
    out = steps.apply_recipe(other, recipe)
    missing = other["age"].isna()
    assert (out.loc[missing, "age"] == fill).all()  # the source's median, not the new table's
    assert np.allclose(out["income"], np.log1p(other["income"]))
    with pytest.raises(RecipeError, match="needs column"):
        steps.apply_recipe(other.drop(columns=["age"]), recipe)


def test_options_rerender_the_code_and_are_validated(df, found) -> None:  # type: ignore[no-untyped-def]
    pii = next(s for s in found if s.id == "pii:email")
    dropped = steps.with_params(pii, action="drop")
    assert "drop(columns=['email'])" in dropped.code
    out, _ = steps.apply_suggestions(df, [dropped])
    assert "email" not in out
    masked, _ = steps.apply_suggestions(df, [steps.with_params(pii, action="mask")])
    assert masked["email"].iloc[0].endswith(df["email"].iloc[0][-2:]) and "@" in masked["email"].iloc[0]
    with pytest.raises(RecipeError):
        steps.with_params(pii, action="shred")
    cap = next(s for s in found if s.id == "cap_outliers:latency_ms")
    z, _ = steps.apply_suggestions(df, [steps.with_params(cap, method="zscore")])
    assert z["latency_ms"].max() < df["latency_ms"].max()


def test_preview_shows_before_and_after_on_a_sample(df, found) -> None:  # type: ignore[no-untyped-def]
    s = next(x for x in found if x.id == "impute_median:age")
    before, after = steps.preview(df, s)
    assert before["age"].isna().any() and not after["age"].isna().any()
    assert "age_missing" in after.columns
    dates = next(x for x in found if x.id == "parse_dates:signup")
    _, after = steps.preview(df, dates)
    assert {"signup", "signup_year", "signup_dayofweek"} <= set(after.columns)


def test_individual_transforms() -> None:
    frame = pd.DataFrame({
        "eu": ["1.234,50", "99,00", "(12,25)", "7,10"] * 10,
        "pct": ["12%", "7.5%", "100%", "0%"] * 10,
        "neg": np.r_[np.random.default_rng(0).lognormal(2, 1.5, 39) - 20, -500.0],
        "cat": ["a"] * 30 + ["b"] * 8 + ["c", "d"],
        "mixed_na": ["x", None, "y", None] * 10,
    })
    frame["cat"] = (["a"] * 20 + ["b"] * 15 + ["c"] * 3 + ["d", "e"]) * 1
    found = {s.id: s for s in steps.suggest(pd.concat([frame] * 30, ignore_index=True), pii=False)}
    eu = steps.run_step(frame, found["numbers_as_text:eu"].step())
    assert eu["eu"].tolist()[:4] == [1234.5, 99.0, -12.25, 7.1]
    pct = steps.run_step(frame, found["numbers_as_text:pct"].step())
    assert pct["pct"].tolist()[:4] == [0.12, 0.075, 1.0, 0.0]
    yj = found["yeo_johnson:neg"]
    from scipy import stats

    expected = stats.yeojohnson(frame["neg"].to_numpy(), lmbda=yj.params["lambda"])
    assert np.allclose(steps.run_step(frame, yj.step())["neg"], expected)
    assert "impute_constant:mixed_na" in found
    assert "one_hot:cat" in found
    hot = steps.run_step(frame, found["one_hot:cat"].step())
    assert hot.filter(like="cat=").sum(axis=1).eq(1).all() and "cat" not in hot


def test_unknown_rule_and_malformed_recipes() -> None:
    with pytest.raises(RecipeError, match="Valid rules"):
        steps.apply_recipe(pd.DataFrame({"a": [1]}), {"format": "mdg-feature-recipe", "steps": [
            {"rule": "nope", "columns": ["a"], "params": {}}]})
    with pytest.raises(RecipeError, match="not an MDG feature recipe"):
        steps.recipe_from_json('{"steps": []}')
    with pytest.raises(RecipeError, match="not valid JSON"):
        steps.recipe_from_json("{")
    with pytest.raises(RecipeError, match="Tick at least one"):
        steps.apply_suggestions(pd.DataFrame({"a": [1]}), [])


def test_encoding_rare_levels_scaling_binning_and_empty_columns() -> None:
    rng = np.random.default_rng(4)
    n = 1000
    city = rng.choice([f"city{i}" for i in range(30)], n, p=np.r_[np.full(20, 0.048), np.full(10, 0.004)])
    frame = pd.DataFrame({
        "city": city,  # 30 levels, 10 of them rare
        "plan": rng.choice(["free", "pro", None], n, p=[0.6, 0.35, 0.05]),
        "salary": rng.lognormal(11, 0.8, n),  # skewed, std in the tens of thousands
        "rating": rng.normal(3, 1, n),
        "empty": [None] * n,
    })
    found = {s.id: s for s in steps.suggest(frame, pii=False)}
    assert {"rare_categories:city", "frequency_encode:city", "one_hot:plan", "impute_mode:plan",
            "scale:salary", "bin:salary", "drop_constant:empty"} <= set(found)
    assert "10 of 30 levels" in found["rare_categories:city"].evidence
    out, recipe = steps.apply_suggestions(frame, found.values())
    assert [s["rule"] for s in recipe["steps"]][:2] == ["drop_constant", "impute_mode"]  # registry order
    assert "empty" not in out and out.filter(like="plan=").shape[1] == 2
    # rare levels were grouped before frequency encoding, so 'Other' got one shared frequency
    kept = set(next(s for s in recipe["steps"] if s["rule"] == "rare_categories")["params"]["keep"])
    grouped = ~pd.Series(city).isin(kept).to_numpy()
    assert grouped.any() and np.allclose(out.loc[grouped, "city"], grouped.mean())
    assert out["salary_bin"].between(0, 4).all()
    assert abs(out["salary"].mean()) < 1e-6  # standardised (after the log)
