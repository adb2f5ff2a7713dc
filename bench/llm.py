"""LLM mock-data benchmark: tokens/s, records/s and valid-record share with the default GGUF model.

Runs 10 and 100 records of a 6-field nested example and a 15-field nested example, each on a fresh
cache (nothing is served from a previous run). Prints a table and saves ``bench/results/llm.json``.

    python bench/llm.py                 # threads from settings (all cores)
    python bench/llm.py --threads 1     # e.g. on a machine shared with other work
    python bench/llm.py --counts 10
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"

from mdg_core.llm.examples import load_example_records  # noqa: E402

SIX_FIELDS = load_example_records()

FIFTEEN_FIELDS = [
    {"order_id": "ORD-2024-0001", "customer": {"name": "Alice Smith", "email": "alice@example.com",
     "phone": "+1 555-010-0101", "tier": "gold"}, "placed": "2024-01-05", "status": "shipped",
     "total": 120.5, "currency": "USD", "items": [{"sku": "AB-1001", "qty": 2}],
     "shipping": {"city": "Boston", "zip": "02108", "express": True}, "coupon": None, "notes": "leave at door",
     "rating": 5},
    {"order_id": "ORD-2024-0002", "customer": {"name": "Bob Jones", "email": "bob@example.org",
     "phone": "+1 555-010-0102", "tier": "silver"}, "placed": "2024-02-11", "status": "pending",
     "total": 35.0, "currency": "USD", "items": [{"sku": "CD-2002", "qty": 1}, {"sku": "EF-3003", "qty": 3}],
     "shipping": {"city": "Denver", "zip": "80202", "express": False}, "coupon": "WINTER10", "notes": "",
     "rating": 4},
    {"order_id": "ORD-2024-0003", "customer": {"name": "Chen Wei", "email": "chen@mail.com",
     "phone": "+1 555-010-0103", "tier": "gold"}, "placed": "2024-03-02", "status": "delivered",
     "total": 78.25, "currency": "EUR", "items": [{"sku": "GH-4004", "qty": 1}],
     "shipping": {"city": "Austin", "zip": "73301", "express": False}, "coupon": None, "notes": "gift wrap",
     "rating": 3},
    {"order_id": "ORD-2024-0004", "customer": {"name": "Maria Garcia", "email": "maria@corp.es",
     "phone": "+1 555-010-0104", "tier": "bronze"}, "placed": "2024-03-19", "status": "shipped",
     "total": 210.0, "currency": "EUR", "items": [{"sku": "IJ-5005", "qty": 4}],
     "shipping": {"city": "Seattle", "zip": "98101", "express": True}, "coupon": "VIP20", "notes": "call first",
     "rating": 5},
    {"order_id": "ORD-2024-0005", "customer": {"name": "John Miller", "email": "john@example.com",
     "phone": "+1 555-010-0105", "tier": "silver"}, "placed": "2024-04-01", "status": "cancelled",
     "total": 15.75, "currency": "USD", "items": [{"sku": "KL-6006", "qty": 1}],
     "shipping": {"city": "Miami", "zip": "33101", "express": False}, "coupon": None, "notes": "",
     "rating": 2},
]


def run_case(name: str, examples: list[dict[str, Any]], count: int, seed: int) -> dict[str, Any]:
    from mdg_core.llm.mock import generate_mock
    from mdg_core.llm.schema import infer_schema, validation_errors
    from mdg_core.store import DatasetStore

    with tempfile.TemporaryDirectory() as tmp:
        store = DatasetStore(Path(tmp) / "bench.db")
        load = os.getloadavg()[0]
        started = time.perf_counter()
        result = generate_mock(examples, count, seed=seed, store=store)
        wall = time.perf_counter() - started
    schema = infer_schema(examples)
    valid_out = sum(1 for r in result.records if not validation_errors(r, schema, limit=1))
    s = result.summary()
    return {
        "case": name, "records": count, "wall_seconds": round(wall, 2),
        "records_per_second": round(count / wall, 2),
        "records_per_second_generation": s["records_per_second"],
        "tokens_per_second": s["tokens_per_second"],
        "model_rows": result.rows_seen, "valid_rows": result.rows_valid,
        "valid_share_model_rows": s["valid_share"],
        "valid_share_output": round(valid_out / count, 4),
        "dropped": s["dropped"], "batch_size": s["batch_size"], "load_avg_1m_before": round(load, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--threads", type=int, default=None, help="llama.cpp threads (default: settings)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cases", nargs="+", choices=["6", "15"], default=["6", "15"],
                        help="which example sets: 6-field and/or 15-field nested")
    args = parser.parse_args()
    if args.threads:
        os.environ["MDG_LLM_THREADS"] = str(args.threads)
    os.environ.setdefault("MDG_DB_PATH", str(Path(tempfile.gettempdir()) / "mdg-bench" / "mdg.db"))
    from mdg_core.config import load_settings
    from mdg_core.llm.model import load_model

    settings = load_settings()
    loaded = load_model(settings=settings)
    rows = []
    cases = {"6": ("6-field nested", SIX_FIELDS), "15": ("15-field nested", FIFTEEN_FIELDS)}
    for name, examples in (cases[c] for c in args.cases):
        for count in args.counts:
            row = run_case(name, examples, count, args.seed)
            rows.append(row)
            print(f"{name:16} {count:4d} records  {row['records_per_second']:5.2f} rec/s "
                  f"({row['records_per_second_generation']:5.2f} generating)  {row['tokens_per_second']:6.1f} tok/s  "
                  f"valid {row['valid_share_output'] * 100:5.1f} % out / {row['valid_share_model_rows'] * 100:5.1f} % rows  "
                  f"dropped {row['dropped']}  load {row['load_avg_1m_before']}", flush=True)
    out = {"model": loaded.info.name, "model_file": Path(loaded.info.path).name, "threads": settings.threads,
           "cpu_count": os.cpu_count(), "n_ctx": loaded.n_ctx, "results": rows,
           "target": "≥ 2 valid records/s for the 6-field nested example, 100 % valid"}
    RESULTS.mkdir(parents=True, exist_ok=True)
    suffix = f"-t{settings.threads}" + ("" if args.cases == ["6", "15"] else "-" + "-".join(args.cases))
    path = RESULTS / f"llm{suffix}.json"
    path.write_text(json.dumps(out, indent=2), encoding="utf-8")
    print(f"saved {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
