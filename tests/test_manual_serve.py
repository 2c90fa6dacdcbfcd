"""`qms serve`: the manual on localhost, rebuilt when a file changes."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

QMS = str(Path(sys.executable).parent / "qms")


def _fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - localhost only
        return str(response.read().decode("utf-8"))


def test_serve_rebuilds_on_change(fixture_repo: Callable[[str], Path]) -> None:
    repo = fixture_repo("manual-small")
    server = subprocess.Popen([QMS, "serve", str(repo), "--port", "0"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True, env=os.environ.copy())
    try:
        assert server.stdout is not None
        address = ""
        deadline = time.monotonic() + 120
        while not address and time.monotonic() < deadline:
            line = server.stdout.readline()
            found = re.search(r"serving the manual at (http://127\.0\.0\.1:\d+/)", line)
            address = found.group(1) if found else ""
        assert address, "qms serve did not start"
        assert "Greet every visitor" in _fetch(address + "standards/DSK-001.html")
        target = repo / "standards" / "desk" / "DSK-001.yaml"
        target.write_text(target.read_text(encoding="utf-8").replace(
            "Greet every visitor", "Welcome every visitor"), encoding="utf-8")
        page = ""
        deadline = time.monotonic() + 60
        while "Welcome every visitor" not in page and time.monotonic() < deadline:
            time.sleep(0.5)
            page = _fetch(address + "standards/DSK-001.html")
        assert "Welcome every visitor" in page
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert server.returncode in (130, -signal.SIGINT), server.returncode
