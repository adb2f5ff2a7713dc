"""The generation jobs: stored run, splits, kept model, cancel, compare, CLI."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import text

from mdg_core import jobs
from mdg_core.cli import main as cli_main
from mdg_core.config import save_settings
from mdg_core.errors import ArtifactIntegrityError, CancelledError
from mdg_core.generators import shape
from mdg_core.generators.run import load_model, prepare_training
from mdg_core.ingest import ingest_file
from mdg_core.store import DatasetStore

ROOT = Path(__file__).resolve().parents[2]
RULE = {"kind": "inequality", "low": "signup_date", "high": "last_active"}


@pytest.fixture()
def real(store: DatasetStore) -> int:
    return ingest_file(store, ROOT / "data" / "customers.csv", name="customers").id


def _generate(store: DatasetStore, dataset_id: int, **kw) -> dict:  # type: ignore[no-untyped-def]
    params = {"dataset_id": dataset_id, "generator": "copy_rows", "seed": 5, "n_rows": 150, "rules": [RULE]}
    params.update(kw)
    return jobs.run_inline(store, "generate", params)


def test_a_run_stores_synthetic_data_splits_model_and_record(store: DatasetStore, real: int) -> None:
    result = _generate(store, real)
    synth = store.get(result["output_dataset_id"])
    assert synth.kind == "synthetic" and synth.parent_id == real and synth.n_rows == 150
    run = store.run_for_output(synth.id)
    assert run is not None and run["generator"] == "copy_rows" and run["seed"] == 5
    assert run["versions"]["sdv"] and run["peak_memory_mb"] > 0 and run["fit_seconds"] >= 0
    assert run["violations"][0]["after"] == 0
    train, hold = store.get(run["train_dataset_id"]), store.get(run["holdout_dataset_id"])
    assert train.kind == hold.kind == "split" and train.parent_id == hold.parent_id == real
    assert train.n_rows + hold.n_rows == 600 and hold.n_rows == 120
    # same dataset + generator + parameters + seed: identical rows; the split is reused
    again = _generate(store, real)
    pd.testing.assert_frame_equal(store.load(synth.id), store.load(again["output_dataset_id"]))
    assert again["train_dataset_id"] == result["train_dataset_id"]
    real_df = store.load(real)
    out = store.load(synth.id)
    assert list(out.columns) == list(real_df.columns)
    assert out.dtypes.astype(str).tolist() == real_df.dtypes.astype(str).tolist()


def test_kept_model_samples_again_and_is_hash_checked(store: DatasetStore, real: int) -> None:
    result = _generate(store, real)
    again = jobs.run_inline(store, "sample_model", {"model_artifact_id": result["model_artifact_id"],
                                                    "n_rows": 40, "seed": 9, "conditions": {"churned": "yes"}})
    out = store.load(again["output_dataset_id"])
    assert len(out) == 40 and out["churned"].eq(True).all()  # ingest reads yes/no as boolean
    run = store.get_run(again["run_id"])
    assert run["fit_seconds"] == 0 and run["holdout_dataset_id"] == result["holdout_dataset_id"]
    art = store.get_artifact_by_id(result["model_artifact_id"])
    with store.write() as conn:  # a model file changed behind the workbench's back
        conn.execute(text("UPDATE artifacts SET payload = :p WHERE id = :i"),
                     {"p": art.payload[:-1] + b"\x00", "i": art.id})
    with pytest.raises(ArtifactIntegrityError):
        load_model(store, result["model_artifact_id"])


def test_cancelled_worker_leaves_no_dataset(store: DatasetStore, real: int) -> None:
    before = {d.id for d in store.list()}
    job = jobs.submit(store, "generate", {"dataset_id": real, "generator": "sdv_tvae", "seed": 1,
                                          "params": {"epochs": 500, "batch_size": 100}}, "cancel me")
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        info = jobs.get(store, job)
        if info.message and "Epoch" in info.message and "Fitting" in info.message:
            break
        assert info.active, info.error
        time.sleep(0.5)
    assert "Epoch" in (info.message or "")
    assert info.eta_seconds is not None
    jobs.cancel(store, job)
    final = jobs.wait(store, job, timeout_s=60)
    assert final.status == "cancelled"
    assert {d.id for d in store.list()} == before
    assert not store.list_runs(real)


def test_inline_cancel_raises_and_saves_nothing(store: DatasetStore, real: int) -> None:
    before = {d.id for d in store.list()}

    def stop(fraction: float, message: str) -> None:
        if "Epoch 1/" in message:
            with store.write() as conn:
                conn.execute(text("UPDATE jobs SET cancel_requested = 1"))

    with pytest.raises(CancelledError):
        jobs.run_inline(store, "generate", {"dataset_id": real, "generator": "sdv_tvae",
                                            "params": {"epochs": 50, "batch_size": 100}}, on_progress=stop)
    assert {d.id for d in store.list()} == before


def test_compare_reports_quality_privacy_and_time(store: DatasetStore, real: int) -> None:
    result = jobs.run_inline(store, "compare_generators", {
        "dataset_id": real, "generators": ["copy_rows", "sdv_gaussian_copula"], "seed": 0})
    rows = {r["generator"]: r for r in result["results"]}
    assert 0 < rows["sdv_gaussian_copula"]["quality"] <= 1 and rows["copy_rows"]["fit_seconds"] >= 0
    # the test double copies training rows: the privacy share must expose it
    assert rows["copy_rows"]["privacy_closer_to_train"] > 0.95 and rows["copy_rows"]["privacy_excess"] > 0.8
    assert rows["sdv_gaussian_copula"]["privacy_excess"] < 0.5
    assert store.list_artifacts("comparison", dataset_id=real)


def test_cli_lists_and_generates_as_json(store: DatasetStore, real: int, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(store.db_path)
    assert cli_main(["--db", db, "--quiet", "generators", "--no-check"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {"sdv_gaussian_copula", "synthcity_pategan", "copy_rows"} <= {g["name"] for g in listed}
    code = cli_main(["--db", db, "--quiet", "generate", str(real), "--generator", "copy_rows", "--rows", "30",
                     "--seed", "2", "--param", "replace=false", "--condition", "plan=pro"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert store.load(out["output_dataset_id"])["plan"].eq("pro").all()
    assert cli_main(["--db", db, "--quiet", "generate", str(real), "--generator", "nope"]) == 2
    assert "Valid generators" in capsys.readouterr().err
    assert cli_main(["--db", db, "--quiet", "generate", str(real), "--generator", "sdv_ctgan",
                     "--param", "epochs=-1"]) == 2


def test_cli_stdout_is_only_json_when_a_library_prints(store: DatasetStore, real: int,
                                                       capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """pykeops prints a CUDA banner to stdout when SynthCity imports it; it must not break the JSON."""
    from mdg_core.cli import generate as cli_generate

    real_cmd = cli_generate.cmd_generators

    def noisy(*args: Any) -> Any:
        print("[KeOps] Warning : CUDA libraries not found")
        return real_cmd(*args)

    monkeypatch.setattr(cli_generate, "cmd_generators", noisy)
    assert cli_main(["--db", str(store.db_path), "--quiet", "generators", "--no-check"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) and "KeOps" in captured.err


def test_an_identical_split_is_reused_and_any_change_makes_a_new_one(store: DatasetStore, real: int) -> None:
    def splits() -> set[int]:
        return {d.id for d in store.list(kinds=["split"])}

    first = _generate(store, real)
    assert splits() == {first["train_dataset_id"], first["holdout_dataset_id"]}
    assert _generate(store, real, generator="sdv_gaussian_copula")["train_dataset_id"] == first["train_dataset_id"]
    assert len(splits()) == 2  # another generator, same parent + seed + share: same split
    other_seed = _generate(store, real, seed=6)
    assert len(splits()) == 4 and other_seed["train_dataset_id"] not in (first["train_dataset_id"],)
    save_settings(store.db_path, holdout_share=0.3)
    other_share = _generate(store, real)
    assert store.get(other_share["holdout_dataset_id"]).n_rows == 180 and len(splits()) == 6
    train = store.get(first["train_dataset_id"])
    assert train.recipe == {"split": "train", "seed": 5, "holdout_share": 0.2, "of": real, "of_rows": 600}


def test_generate_and_compare_prepare_the_same_training_data(store: DatasetStore, real: int) -> None:
    prep = prepare_training(store, real, seed=5)
    assert (len(prep.train), len(prep.holdout)) == (480, 120)
    assert "email" in prep.metadata.pii and prep.share == 0.2
    run = _generate(store, real, rules=None)
    pd.testing.assert_frame_equal(store.load(run["train_dataset_id"]), prep.train)
    compared = jobs.run_inline(store, "compare_generators", {"dataset_id": real, "generators": ["copy_rows"],
                                                             "seed": 5})
    assert (compared["train_rows"], compared["holdout_rows"]) == (480, 120)
    # one holdout share for both: with none kept out, compare says why privacy is missing (it used 0.2 before)
    save_settings(store.db_path, holdout_share=0.0)
    assert _generate(store, real)["holdout_dataset_id"] is None
    compared = jobs.run_inline(store, "compare_generators", {"dataset_id": real, "generators": ["copy_rows"],
                                                             "seed": 5})
    assert compared["holdout_rows"] == 0 and "privacy_closer_to_train" not in compared["results"][0]
    assert "Privacy is not scored" in compared["note"]


def test_fake_values_come_in_batches_with_progress_and_repeat_at_most_the_limit(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shape, "FAKE_POOL_MIN", 200)
    monkeypatch.setattr(shape, "FAKE_BATCH", 100)
    monkeypatch.setattr(shape, "FAKE_MAX_REPEATS", 20)
    calls: list[tuple[float, str]] = []
    values = shape.fake_values("email", 10_000, seed=3, progress=lambda f, m: calls.append((f, m)))
    pool = 500  # distinct Faker outputs, not 10,000 calls
    assert len(values) == 10_000 and all("@" in v for v in values[:50])
    counts = pd.Series(values).value_counts()
    # every Faker output serves exactly FAKE_MAX_REPEATS rows (a value Faker itself made twice, twice that)
    assert (counts % shape.FAKE_MAX_REPEATS == 0).all() and counts.median() == shape.FAKE_MAX_REPEATS
    assert len(counts) >= 0.95 * pool
    assert [f for f, _ in calls] == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0])
    assert [m for _, m in calls] == [f"Fake values for email: {k} of {pool}" for k in (100, 200, 300, 400, 500)]
    assert (shape.fake_values("email", 10_000, seed=3) == values).all()  # seeded
    small = shape.fake_values("name", 150, seed=1)
    assert len(set(small)) > 140  # up to the pool size: one Faker call per row, as before


def test_a_cancel_while_fake_values_are_made_stops_between_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shape, "FAKE_BATCH", 100)
    seen: list[float] = []

    def cancel_at_300(fraction: float, message: str, /) -> None:
        seen.append(fraction)
        if fraction >= 300 / 5_000:
            raise CancelledError("Cancelled by the analyst; nothing was saved.")

    with pytest.raises(CancelledError):
        shape.fake_values("address", 5_000, seed=0, progress=cancel_at_300)
    assert seen == pytest.approx([100 / 5_000, 200 / 5_000, 300 / 5_000])


def test_sampling_reports_the_fake_values_of_pii_columns(store: DatasetStore, real: int) -> None:
    messages: list[str] = []
    jobs.run_inline(store, "generate", {"dataset_id": real, "generator": "copy_rows", "seed": 1, "n_rows": 50},
                    on_progress=lambda f, m: messages.append(m))
    assert any(m.startswith("Fake values for email") for m in messages)
    assert any(m.startswith("Fake values for name") for m in messages)
