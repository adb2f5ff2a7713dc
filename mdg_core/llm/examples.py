"""The example records shipped in ``data/mock_examples.json``: the Mock data page's starting point,
and the fixed input of the LLM tests and benchmark."""

from __future__ import annotations

import json
from typing import Any

from mdg_core.config import PROJECT_ROOT

EXAMPLES_FILE = PROJECT_ROOT / "data" / "mock_examples.json"


def load_example_records() -> list[dict[str, Any]]:
    return json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))
