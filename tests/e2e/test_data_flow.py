"""Browser journey, step 1: upload a CSV, see its typed preview and rows, save it, download it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.e2e.harness import select_dataset, shot, wait_idle

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def test_upload_preview_save_and_download(page, workbench, tmp_path):  # type: ignore[no-untyped-def]
    csv = tmp_path / "orders.csv"
    csv.write_text(
        "order_id;customer;amount;ordered_on;paid\n"
        "00017;Ana;1.234,50;2024-01-03;yes\n"
        "00018;Ben;99,00;2024-01-04;no\n"
        "00019;Chloé;12,25;2024-02-11;yes\n",
        encoding="cp1252",
    )
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(csv))
    wait_idle(page)
    # the uploader lists the file's name at once; the preview (and its dialect line) comes after the parse
    page.get_by_text("semicolon").first.wait_for(timeout=120_000)
    shot(page, "01_data_upload_preview")

    page.get_by_role("button", name="Save as dataset").click()
    wait_idle(page)
    page.get_by_text("Dataset #").first.wait_for()
    saved = [d for d in workbench.store.list() if d.name == "orders"]
    assert len(saved) == 1 and saved[0].n_rows == 3
    frame = workbench.store.load(saved[0].id)
    assert frame["order_id"].tolist() == ["00017", "00018", "00019"]
    assert frame["amount"].tolist() == [1234.5, 99.0, 12.25]
    assert frame["customer"].tolist()[2] == "Chloé"

    page.get_by_text("Dataset #").first.scroll_into_view_if_needed()
    shot(page, "02_data_saved_dataset")

    page.get_by_role("tab", name="Manage").click()
    wait_idle(page)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").click()
    target = tmp_path / "download.csv"
    download_info.value.save_as(str(target))
    downloaded = pd.read_csv(target, dtype={"order_id": str})
    assert downloaded["order_id"].tolist() == ["00017", "00018", "00019"]
    assert len(downloaded) == 3
    shot(page, "03_data_manage")


def test_delete_from_the_dialog_removes_dataset_and_derived(page, workbench):  # type: ignore[no-untyped-def]
    import pandas as pd

    root = workbench.store.save(pd.DataFrame({"x": [1, 2]}), "to-delete")
    child = workbench.store.save(pd.DataFrame({"x": [1]}), "to-delete-child", "transformed", parent_id=root.id)
    page.reload()
    wait_idle(page)
    select_dataset(page, "to-delete ·")
    page.get_by_role("tab", name="Manage").click()
    page.get_by_role("button", name="Delete…").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("to-delete-child").wait_for()
    shot(page, "04_data_delete_dialog", full_page=False)
    dialog.get_by_role("button", name="Delete").click()
    wait_idle(page)
    remaining = {d.id for d in workbench.store.list()}
    assert root.id not in remaining and child.id not in remaining


def test_an_impossible_type_is_refused_next_to_its_column(page, workbench):  # type: ignore[no-untyped-def]
    """Choose 'integer' for the customers' name column in the type editor: the editor stays, the Note says why."""
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(ROOT / "data" / "customers.csv"))
    wait_idle(page)
    editor = page.locator("[data-testid='stDataFrame']").first
    editor.wait_for()
    box = editor.bounding_box()
    # the grid is a canvas: click the first body cell, then walk to row 'name' (2nd), column 'Type' (3rd)
    page.mouse.click(box["x"] + 40, box["y"] + 52)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    page.get_by_role("option", name="integer").first.click()
    page.keyboard.press("Escape")
    wait_idle(page)
    page.get_by_text("does not fit its values").first.wait_for()
    assert page.locator("[data-testid='stDataFrame']").first.is_visible()  # the editor is still there
    assert page.locator("[data-testid='stAlertContentError']").count() == 0
    shot(page, "04b_data_type_refused", full_page=False)
