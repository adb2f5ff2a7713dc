"""What a child process's exit status means, in words an analyst can act on.

Native code (llama.cpp, torch) can kill the process that runs it; the workbench always runs it in a
child process, so the app lives on and the analyst reads what happened instead of a bare exit code.
"""

from __future__ import annotations

import signal

# keyed by plain int too: an exit status or a faulthandler report gives a number, not a Signals
NATIVE_CRASH_SIGNALS: dict[int, str] = {
    signal.SIGSEGV: "segmentation fault",
    signal.SIGABRT: "abort",
    signal.SIGILL: "illegal instruction",
    signal.SIGBUS: "bus error",
    signal.SIGFPE: "floating-point exception",
}
LLM_HINT = "run `python -m mdg_core doctor` or Settings → Test the model"


def signal_of(returncode: int | None) -> signal.Signals | None:
    """The signal that ended a child (``subprocess`` reports it as a negative code), or None."""
    if returncode is None or returncode >= 0:
        return None
    try:
        return signal.Signals(-returncode)
    except ValueError:
        return None


def describe_exit(returncode: int | None, *, component: str = "the worker", llm: bool = False,
                  out_of_memory: bool = False) -> str:
    """One sentence naming why a child process ended: a native crash, out of memory, or a kill from outside."""
    sig = signal_of(returncode)
    if sig is None:
        return f"{component[:1].upper()}{component[1:]} stopped with exit code {returncode}."
    if sig in NATIVE_CRASH_SIGNALS:
        what = NATIVE_CRASH_SIGNALS[sig]
        if llm:
            return f"The local language model crashed ({what} in llama.cpp) on this CPU — {LLM_HINT}."
        return f"{component[:1].upper()}{component[1:]} crashed in native code ({what}, {sig.name})."
    if sig == signal.SIGKILL and out_of_memory:
        return f"{component[:1].upper()}{component[1:]} ran out of memory and was killed (SIGKILL)."
    return f"{component[:1].upper()}{component[1:]} was stopped by a signal ({sig.name}) from outside."
