"""Kept models are pickles: only those signed with this installation's key are ever unpickled.

The attack: someone hands the analyst a ``mdg.db`` whose model bytes *and* recorded hash were
replaced by a pickle that runs code on load. Nothing may run, and the analyst reads what to do.
"""

from __future__ import annotations

import hashlib
import pickle
import shutil
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from mdg_core import jobs, signing
from mdg_core.cli import main as cli_main
from mdg_core.errors import ArtifactKeyError, UntrustedArtifactError
from mdg_core.generators.run import MODEL_KIND, load_model
from mdg_core.ingest import ingest_file
from mdg_core.store import DatasetStore

ROOT = Path(__file__).resolve().parents[2]


class _Planted:
    """Unpickling this writes a marker file: the stand-in for attacker code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return exec, (f"open({str(self.marker)!r}, 'w').write('pwned')",)


def _fit(store: DatasetStore) -> dict:  # type: ignore[type-arg]
    real = ingest_file(store, ROOT / "data" / "customers.csv", name="customers").id
    return jobs.run_inline(store, "generate", {"dataset_id": real, "generator": "copy_rows", "seed": 3,
                                               "n_rows": 50})


def _plant(store: DatasetStore, artifact_id: int, payload: bytes) -> None:
    """Replace a model's bytes and its recorded hash, as anyone holding the database file can."""
    with store.write() as conn:
        conn.execute(text("UPDATE artifacts SET payload = :p, sha256 = :h WHERE id = :i"),
                     {"p": payload, "h": hashlib.sha256(payload).hexdigest(), "i": artifact_id})


def test_payload_is_live(tmp_path: Path) -> None:
    """The planted pickle really runs code when unpickled, so the refusals below mean something."""
    marker = tmp_path / "ran"
    pickle.loads(pickle.dumps(_Planted(marker)))  # noqa: S301 - proving the test payload works
    assert marker.read_text() == "pwned"


def test_kept_model_round_trips_signed(store: DatasetStore) -> None:
    result = _fit(store)
    art = store.get_artifact_by_id(result["model_artifact_id"])
    assert art is not None and art.payload is not None and art.payload.startswith(signing.MAGIC)
    again = jobs.run_inline(store, "sample_model", {"model_artifact_id": art.id, "n_rows": 20, "seed": 1})
    assert store.get(again["output_dataset_id"]).n_rows == 20


@pytest.mark.parametrize("forge", ["plain pickle", "forged signature", "signed elsewhere"])
def test_planted_pickle_never_runs(store: DatasetStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   forge: str) -> None:
    result = _fit(store)
    marker = tmp_path / "ran"
    body = pickle.dumps(_Planted(marker))
    if forge == "plain pickle":  # what the audit did: new bytes, new SHA-256
        payload = body
    elif forge == "forged signature":
        payload = signing.MAGIC + b"\x00" * 32 + body
    else:  # a validly signed model from another installation
        own = signing.key_path()
        monkeypatch.setenv(signing.KEY_ENV, str(tmp_path / "other.key"))
        payload = signing.sign(body, MODEL_KIND)
        monkeypatch.setenv(signing.KEY_ENV, str(own))
    _plant(store, result["model_artifact_id"], payload)
    with pytest.raises(UntrustedArtifactError, match="refitted") as err:
        load_model(store, result["model_artifact_id"])
    assert f"Kept model #{result['model_artifact_id']}" in str(err.value)
    assert not marker.exists()


def test_database_from_elsewhere_keeps_data_and_reports_but_not_models(
        store: DatasetStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capfd: pytest.CaptureFixture[str]) -> None:
    result = _fit(store)
    store.put_artifact("report", "r1", b"<html>report</html>", dataset_id=result["output_dataset_id"])
    elsewhere = tmp_path / "elsewhere" / "mdg.db"
    elsewhere.parent.mkdir()
    store.engine.dispose()
    shutil.copy(store.db_path, elsewhere)
    monkeypatch.setenv(signing.KEY_ENV, str(tmp_path / "elsewhere" / "artifact.key"))  # another installation
    copy = DatasetStore(elsewhere)
    assert len(copy.load(result["output_dataset_id"])) == 50
    report = copy.get_artifact("report", "r1")
    assert report is not None and report.payload == b"<html>report</html>"
    rc = cli_main(["--db", str(elsewhere), "--quiet", "sample-model", str(result["model_artifact_id"]), "--rows", "5"])
    err = capfd.readouterr().err
    assert rc == 2 and "not saved by this installation" in err and "refitted" in err
    assert "Traceback" not in err


def test_key_is_private_stable_and_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "cfg" / "artifact.key"
    monkeypatch.setenv(signing.KEY_ENV, str(path))
    first = signing.installation_key()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(first) == signing.KEY_BYTES
    assert signing.installation_key() == first
    blob = signing.dumps({"a": 1}, "test")
    assert signing.loads(blob, "test", "x") == {"a": 1}
    with pytest.raises(UntrustedArtifactError):  # a signature binds the purpose too
        signing.loads(blob, MODEL_KIND, "x")
    path.chmod(0o644)
    with pytest.raises(ArtifactKeyError, match="chmod 600"):
        signing.installation_key()


def test_default_key_lives_in_the_user_config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(signing.KEY_ENV, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert signing.key_path() == tmp_path / "config" / "mdg-workbench" / "artifact.key"
