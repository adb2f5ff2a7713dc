"""Train-on-synthetic, test-on-real equals the same model fitted with scikit-learn directly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.preprocessing import OrdinalEncoder
from threadpoolctl import threadpool_limits

from mdg_core.reports.common import align
from mdg_core.reports.utility import utility_section

FEATURES_NUM = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "year"]
FEATURES_CAT = ["island", "sex"]


def _direct(train: pd.DataFrame, test: pd.DataFrame, fit_on: pd.DataFrame, target: str) -> dict[str, float]:
    """The report's model, built here from scikit-learn alone: category codes fitted on both training sets,
    missing values left to the trees, 200 boosting rounds, seed 0."""
    enc = ColumnTransformer([("num", "passthrough", FEATURES_NUM),
                             ("cat", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan,
                                                    encoded_missing_value=np.nan), FEATURES_CAT)])
    enc.fit(pd.concat([train, fit_on], ignore_index=True)[FEATURES_NUM + FEATURES_CAT].astype(
        {c: object for c in FEATURES_CAT}))
    model = HistGradientBoostingClassifier(max_iter=200, random_state=0,
                                           categorical_features=[False] * len(FEATURES_NUM) + [True] * len(FEATURES_CAT))
    x = fit_on[FEATURES_NUM + FEATURES_CAT].astype({c: object for c in FEATURES_CAT})
    with threadpool_limits(limits=1, user_api="openmp"):  # spinning threads crawl on a busy 2-core machine
        model.fit(enc.transform(x).astype(float), fit_on[target].astype(str))
    xt = enc.transform(test[FEATURES_NUM + FEATURES_CAT].astype({c: object for c in FEATURES_CAT})).astype(float)
    with threadpool_limits(limits=1, user_api="openmp"):
        pred, proba = model.predict(xt), model.predict_proba(xt)
    y = test[target].astype(str).to_numpy()
    return {"accuracy": metrics.accuracy_score(y, pred), "balanced_accuracy": metrics.balanced_accuracy_score(y, pred),
            "f1_macro": metrics.f1_score(y, pred, average="macro"),
            "roc_auc": metrics.roc_auc_score(y, proba, multi_class="ovr", average="weighted", labels=model.classes_)}


def test_tstr_and_trtr_equal_scikit_learn(penguins: pd.DataFrame) -> None:
    df = penguins.dropna(subset=["species"]).reset_index(drop=True)
    idx = np.random.default_rng(0).permutation(len(df))
    train, test = df.iloc[idx[:240]].reset_index(drop=True), df.iloc[idx[240:]].reset_index(drop=True)
    rng = np.random.default_rng(1)  # "synthetic": each column resampled on its own, a weak generator
    synth = pd.DataFrame({c: train[c].to_numpy()[rng.integers(0, len(train), 300)] for c in train.columns})
    sec = utility_section(train, synth, "species", align(train, synth).kinds, real_test=test, seed=0)
    scores = {r["model"]: r for r in sec.tables["scores"]}
    for name, fit_on in (("train on real (reference)", train), ("train on synthetic", synth)):
        direct = _direct(train, test, fit_on, "species")
        for metric, value in direct.items():
            assert scores[name][metric] == pytest.approx(value, abs=1e-4), (name, metric)  # the table keeps 4 digits
        if name == "train on synthetic":
            assert sec.metrics["synthetic"] == pytest.approx(direct["roc_auc"], abs=1e-12)
            assert sec.metrics["balanced_accuracy_synthetic"] == pytest.approx(direct["balanced_accuracy"], abs=1e-12)
