"""The Settings page's upload limit reaches Streamlit's uploader and upload endpoint, also above the
1,024 MB that .streamlit/config.toml sets at start, and without a restart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from mdg_core.config import load_settings, save_settings, streamlit_options

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _restore_option() -> Iterator[None]:
    before = st_config.get_option("server.maxUploadSize")
    yield
    st_config.set_option("server.maxUploadSize", before)


def _data_page(db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("MDG_DB_PATH", str(db))
    monkeypatch.chdir(ROOT)
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()


def test_an_upload_limit_above_a_gigabyte_reaches_the_uploader_and_the_server(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "mdg.db"
    st_config.set_option("server.maxUploadSize", 1024)  # what config.toml sets when the server starts
    save_settings(db, max_upload_mb=4096)
    at = _data_page(db, monkeypatch)
    assert not at.exception and not at.error
    assert at.file_uploader[0].proto.max_upload_size_mb == 4096  # what the browser enforces
    assert st_config.get_option("server.maxUploadSize") == 4096  # what the upload endpoint enforces
    save_settings(db, max_upload_mb=1500.5)  # changed on the Settings page: the next run applies it
    at.run()
    assert at.file_uploader[0].proto.max_upload_size_mb == 1501
    assert st_config.get_option("server.maxUploadSize") == 1501


def test_the_streamlit_upload_option_rounds_up_to_whole_megabytes(tmp_path: Path) -> None:
    save_settings(tmp_path / "mdg.db", max_upload_mb=0.2)
    assert streamlit_options(load_settings(tmp_path / "mdg.db")) == {"server.maxUploadSize": 1}
