"""Dataset commands: ingest, list, show, export, rename, delete."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from mdg_core import interrupts
from mdg_core.cli import progress_printer
from mdg_core.errors import InvalidParameterError
from mdg_core.ingest import TYPES, ingest_file
from mdg_core.store import DatasetInfo, DatasetStore
from mdg_core.store.export import export_csv, export_parquet


def info_json(info: DatasetInfo, with_columns: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": info.id, "name": info.name, "kind": info.kind, "rows": info.n_rows,
        "columns": info.n_cols, "created_at": info.created_at, "parent_id": info.parent_id,
        "source_name": info.source_name, "source_sha256": info.source_sha256,
        "table": info.table_name,
    }
    if with_columns:
        out["schema"] = [
            {"name": c.name, "type": c.logical_type, "dtype": c.dtype, "storage_name": c.storage_name}
            for c in info.columns
        ]
        out["recipe"] = info.recipe
        out["meta"] = info.meta
    return out


def _parse_types(pairs: list[str]) -> dict[str, str]:
    overrides: dict[str, str] = {}
    for pair in pairs:
        column, sep, typ = pair.rpartition("=")
        if not sep or not column or typ not in TYPES:
            raise InvalidParameterError(
                f"--type takes COLUMN=TYPE with TYPE one of {', '.join(TYPES)}; got '{pair}'."
            )
        overrides[column] = typ
    return overrides


def cmd_ingest(args: argparse.Namespace, store: DatasetStore) -> dict[str, Any]:
    info = ingest_file(store, Path(args.file), name=args.name, overrides=_parse_types(args.type),
                       progress=progress_printer(args.quiet))
    return info_json(info, with_columns=True)


def cmd_list(args: argparse.Namespace, store: DatasetStore) -> list[dict[str, Any]]:
    kinds = [args.kind] if args.kind else None
    return [info_json(d) for d in store.list(kinds=kinds)]


def cmd_show(args: argparse.Namespace, store: DatasetStore) -> dict[str, Any]:
    info = store.get(args.id)
    out = info_json(info, with_columns=True)
    out["lineage"] = [d.id for d in store.lineage(args.id)]
    out["derived"] = [d.id for d in store.descendants(args.id)]
    if args.head:
        out["head"] = store.load(args.id, limit=args.head).to_dict(orient="records")
    return out


def cmd_export(args: argparse.Namespace, store: DatasetStore) -> dict[str, Any]:
    out = Path(args.out)
    writer = export_parquet if args.format == "parquet" else export_csv
    path = writer(store, args.id, out)
    return {"id": args.id, "format": args.format, "path": str(path), "bytes": path.stat().st_size}


def cmd_rename(args: argparse.Namespace, store: DatasetStore) -> dict[str, Any]:
    return info_json(store.rename(args.id, args.name))


def cmd_delete(args: argparse.Namespace, store: DatasetStore) -> dict[str, Any]:
    # one short transaction: a stop that comes during it lets it finish and answer, so that the
    # one line printed ("deleted" or "nothing was saved") is always true
    with interrupts.defer_stops():
        return {"deleted": store.delete(args.id, cascade=args.cascade)}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ingest", help="read a CSV and store it as a dataset")
    p.add_argument("file")
    p.add_argument("--name", default=None)
    p.add_argument("--type", action="append", default=[], metavar="COLUMN=TYPE",
                   help=f"override an inferred type ({', '.join(TYPES)})")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("list", help="list datasets")
    p.add_argument("--kind", default=None)
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", help="a dataset's schema, lineage and (optionally) first rows")
    p.add_argument("id", type=int)
    p.add_argument("--head", type=int, default=0)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("export", help="write a dataset to CSV or Parquet")
    p.add_argument("id", type=int)
    p.add_argument("--format", choices=["csv", "parquet"], default="csv")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("rename", help="rename a dataset")
    p.add_argument("id", type=int)
    p.add_argument("name")
    p.set_defaults(func=cmd_rename)

    p = sub.add_parser("delete", help="delete a dataset (refuses if others derive from it)")
    p.add_argument("id", type=int)
    p.add_argument("--cascade", action="store_true", help="also delete derived datasets")
    p.set_defaults(func=cmd_delete)
