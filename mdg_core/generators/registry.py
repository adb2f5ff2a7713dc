"""Every generator, one line each. ``list_generators()`` for forms, ``get(name, **params)`` to build one.

Whether a generator's library imports is checked once in a child process (importing SynthCity
pulls in torch; the Streamlit server should not pay for that just to draw a form) and cached on
disk per set of installed library versions.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import subprocess
import sys
from functools import lru_cache
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

from mdg_core.errors import GeneratorUnavailableError, UnknownGeneratorError
from mdg_core.generators.base import Generator, GeneratorSpec

GENERATORS: dict[str, str] = {
    "sequential_trees": "mdg_core.generators.sequential_trees:SequentialTrees",
    "sdv_gaussian_copula": "mdg_core.generators.sdv_single:GaussianCopula",
    "sdv_ctgan": "mdg_core.generators.sdv_single:CTGAN",
    "sdv_tvae": "mdg_core.generators.sdv_single:TVAE",
    "sdv_copulagan": "mdg_core.generators.sdv_single:CopulaGAN",
    "synthcity_bayesian_network": "mdg_core.generators.synthcity_plugins:BayesianNetwork",
    "synthcity_arf": "mdg_core.generators.synthcity_plugins:ARF",
    "synthcity_ctgan": "mdg_core.generators.synthcity_plugins:SCTGAN",
    "synthcity_tvae": "mdg_core.generators.synthcity_plugins:STVAE",
    "synthcity_ddpm": "mdg_core.generators.synthcity_plugins:DDPM",
    "synthcity_nflow": "mdg_core.generators.synthcity_plugins:NFlow",
    "synthcity_marginal_distributions": "mdg_core.generators.synthcity_plugins:Marginals",
    "synthcity_privbayes": "mdg_core.generators.synthcity_plugins:PrivBayes",
    "synthcity_aim": "mdg_core.generators.synthcity_plugins:AIM",
    "synthcity_dpgan": "mdg_core.generators.synthcity_plugins:DPGAN",
    "synthcity_pategan": "mdg_core.generators.synthcity_plugins:PATEGAN",
    "llm_table": "mdg_core.generators.llm_table:LLMTable",
    "copy_rows": "mdg_core.generators.copy_rows:CopyRows",
}
BASELINE = "sdv_gaussian_copula"  # what comparisons measure against, not the default
VERSIONED = ("sdv", "ctgan", "copulas", "rdt", "sdmetrics", "synthcity", "torch", "opacus", "pandas", "numpy")


def generator_class(name: str) -> type[Generator]:
    target = GENERATORS.get(name)
    if target is None:
        valid = ", ".join(sorted(GENERATORS))
        raise UnknownGeneratorError(f"Unknown generator '{name}'. Valid generators: {valid}.")
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def spec(name: str) -> GeneratorSpec:
    return generator_class(name).spec


def recommended() -> str:
    """The generator to use when the analyst names none (the one whose spec says ``recommended``)."""
    return next((name for name in GENERATORS if spec(name).recommended), BASELINE)


def versions() -> dict[str, str]:
    """Installed versions of the libraries that shape a run's output (recorded with each run)."""
    out = {"python": sys.version.split()[0]}
    for dist in VERSIONED:
        try:
            out[dist] = importlib_metadata.version(dist)
        except importlib_metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def _cache_path() -> Path:
    digest = hashlib.sha256(json.dumps([sys.executable, versions(), sorted(GENERATORS)]).encode()).hexdigest()
    return Path.home() / ".cache" / "mdg" / f"generator-availability-{digest[:16]}.json"


@lru_cache(maxsize=1)
def availability() -> dict[str, dict[str, Any]]:
    """``{name: {"available": bool, "reason": str|None}}``, checked in a child process, cached."""
    path = _cache_path()
    if path.exists():
        try:
            cached = json.loads(path.read_text(encoding="utf-8"))
            if set(cached) == set(GENERATORS):
                return cached
        except (OSError, ValueError):
            pass
    code = (
        "import json, os, warnings; warnings.simplefilter('ignore');"
        "from mdg_core.generators.registry import GENERATORS, spec;"
        "out = {n: dict(zip(('available', 'reason'), spec(n).available())) for n in GENERATORS};"
        "print('@@' + json.dumps(out))"
    )
    root = Path(__file__).resolve().parents[2]
    try:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                              cwd=root, env=_env(root))
        line = next(l for l in proc.stdout.splitlines() if l.startswith("@@"))
        result: dict[str, dict[str, Any]] = json.loads(line[2:])
    except (StopIteration, subprocess.SubprocessError, OSError, ValueError) as exc:
        return {n: {"available": False, "reason": f"availability check failed: {exc}"} for n in GENERATORS}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result), encoding="utf-8")
    return result


def _env(root: Path) -> dict[str, str]:
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    return env


def list_generators(check: bool = True) -> list[dict[str, Any]]:
    """Name, family, library, description, parameters and availability of every generator."""
    avail = availability() if check else {}
    out = []
    for name in GENERATORS:
        s = spec(name)
        info = {"name": s.name, "title": s.title or s.name, "family": s.family, "library": s.library,
                "description": s.description, "neural": s.neural, "recommended": s.recommended,
                "test_only": s.test_only, "params": [p.to_json() for p in s.params]}
        state = avail.get(name, {"available": None, "reason": None})
        info.update(available=state["available"], reason=state["reason"])
        out.append(info)
    return out


def get(name: str, random_state: int = 0, **params: Any) -> Generator:
    """A generator ready to fit; refuses unknown names, bad parameters and missing libraries."""
    cls = generator_class(name)
    ok, reason = cls.spec.available()
    if not ok:
        raise GeneratorUnavailableError(f"Generator '{name}' is not available here: {reason}")
    return cls(random_state=random_state, **params)
