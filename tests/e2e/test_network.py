"""Closed to the network: started as the README says, the workbench listens on 127.0.0.1 only and makes
no outbound connection (no UDP probe for a 'Network URL', no DNS query), checked with strace."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT, _free_port

pytestmark = pytest.mark.e2e
LOCAL = re.compile(r'sin_addr=inet_addr\("127\.|inet_pton\(AF_INET6, "::1"|sa_family=AF_UNIX|sa_family=AF_NETLINK')


def _other_addresses() -> list[str]:
    """This machine's non-loopback IPv4 addresses (the app must not answer on them)."""
    out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, check=False).stdout.split()
    return [a for a in out if "." in a and not a.startswith("127.")]


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed (make test installs it)")
def test_start_makes_no_outbound_connection_and_listens_on_loopback_only(tmp_path: Path) -> None:
    port = _free_port()
    trace = tmp_path / "connect.trace"
    env = dict(os.environ, MDG_DB_PATH=str(tmp_path / "mdg.db"))
    # the same options as `make run` (the address comes from .streamlit/config.toml)
    proc = subprocess.Popen(
        ["strace", "-f", "-qq", "-e", "trace=connect,sendto", "-o", str(trace),
         sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError("the workbench did not start") from None
                time.sleep(0.3)
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).read()
        for address in _other_addresses():
            with pytest.raises(OSError), socket.create_connection((address, port), timeout=2):
                pass
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # strace and the app it traces
        try:
            output = proc.communicate(timeout=30)[0].decode(errors="replace")
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            output = proc.communicate(timeout=30)[0].decode(errors="replace")
    assert "Network URL" not in output and "External URL" not in output
    calls = [line for line in trace.read_text().splitlines() if "connect(" in line or "sendto(" in line]
    outbound = [c for c in calls if ("sin_addr" in c or "AF_INET6" in c) and not LOCAL.search(c) or "htons(53)" in c]
    assert not outbound, "outbound connections at start:\n" + "\n".join(outbound[:10])
