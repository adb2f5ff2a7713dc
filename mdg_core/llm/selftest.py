"""Prove that the local language model really decodes here: one batched prompt evaluation and a short
generation, in a child process, timed.

Why a child process: a llama.cpp build that does not fit this CPU (for example ``-march=native`` with
AMX, ggml-org/llama.cpp#20824) dies with a segmentation fault on the first batched decode. Importing
the library proves nothing; only a decode does, and it must not take the caller (the app, ``doctor``)
down with it. Used by ``doctor`` and by Settings → Test the model.

Run as ``python -m mdg_core.llm.selftest PATH THREADS`` it prints one JSON line (the child side).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from mdg_core.crashes import describe_exit

PROMPT = ("List three colours of the rainbow, one per line, and then the names of three planets of the solar "
          "system, also one per line, without any other words.")
NEW_TOKENS = 32
TEST_CRASH_ENV = "MDG_TEST_CRASH_SELFTEST"  # tests set it to make the child die with SIGSEGV


@dataclass(frozen=True)
class ModelTestResult:
    """The outcome of one short generation: speed when it worked, the exact failure when not."""

    ok: bool
    model: str
    prompt_tokens: int = 0
    generated_tokens: int = 0
    prompt_tokens_per_s: float = 0.0
    tokens_per_s: float = 0.0
    load_seconds: float = 0.0
    text: str = ""
    error: str = ""

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    def summary(self) -> str:
        if not self.ok:
            return self.error
        return (f"{self.model}: prompt of {self.prompt_tokens} tokens at {self.prompt_tokens_per_s:,.0f} tokens/s, "
                f"{self.generated_tokens} new tokens at {self.tokens_per_s:,.1f} tokens/s.")


def _child(path: str, threads: int) -> dict[str, object]:
    """Load, evaluate the prompt as one batch, then generate greedily; runs inside the child."""
    if os.environ.get(TEST_CRASH_ENV):
        import signal

        os.kill(os.getpid(), signal.SIGSEGV)
    from llama_cpp import Llama

    started = time.perf_counter()
    llm = Llama(model_path=path, n_ctx=512, n_threads=threads, n_threads_batch=threads, n_batch=512,
                verbose=False, seed=0)
    loaded = time.perf_counter()
    tokens = llm.tokenize(PROMPT.encode())
    llm.eval(tokens)  # the batched decode that a native build for the wrong CPU crashes on
    evaluated = time.perf_counter()
    out: list[int] = []
    for token in llm.generate(tokens, temp=0.0, reset=False):
        if token == llm.token_eos() or len(out) >= NEW_TOKENS:
            break
        out.append(token)
    done = time.perf_counter()
    gen_s = max(done - evaluated, 1e-9)
    return {"ok": True, "model": Path(path).name, "prompt_tokens": len(tokens), "generated_tokens": len(out),
            "prompt_tokens_per_s": len(tokens) / max(evaluated - loaded, 1e-9),
            "tokens_per_s": len(out) / gen_s, "load_seconds": loaded - started,
            "text": llm.detokenize(out).decode("utf-8", "replace")}


def probe_model(path: Path | str | None = None, threads: int | None = None, timeout_s: float = 300.0) -> ModelTestResult:
    """Run one short generation of the model in a child process; never raises for a model failure."""
    from mdg_core.config import load_settings
    from mdg_core.errors import ModelLoadError
    from mdg_core.llm.model import model_info

    settings = load_settings()
    try:
        info = model_info(path or settings.resolved_model_path)
    except ModelLoadError as exc:
        return ModelTestResult(ok=False, model=str(path or ""), error=str(exc))
    cmd = [sys.executable, "-m", "mdg_core.llm.selftest", info.path, str(threads or settings.threads)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        return ModelTestResult(ok=False, model=info.name,
                               error=f"The model did not finish a {NEW_TOKENS}-token generation in {timeout_s:.0f} s.")
    if proc.returncode != 0:
        detail = proc.stderr.strip().splitlines()[-1:] if proc.returncode > 0 else []
        message = describe_exit(proc.returncode, component="the model test", llm=True)
        if detail:
            message = f"The model failed: {detail[0]}"
        return ModelTestResult(ok=False, model=info.name, error=message)
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    data["model"] = info.name
    return ModelTestResult(**data)


if __name__ == "__main__":
    try:
        print(json.dumps(_child(sys.argv[1], int(sys.argv[2]))))
    except Exception as exc:  # noqa: BLE001 - the parent shows this line to the analyst
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(1)
