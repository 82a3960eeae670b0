"""What the small same-run A/B benchmarks share (column_readers.py, filter_set.py, whole_build.py).

Each script measures in a fresh process of its own (``--measure``, one JSON line on stdout) and
compares this checkout's ``src`` with another's (``--before SRC``), alternating run by run so
that both sides see the same load; the machine is shared, so the load average is printed too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable

HERE_SRC = str(Path(__file__).resolve().parent.parent / "src")


def rss_mb() -> float:
    """This process's resident memory in MB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measured(script: str, src: str, arguments: list[str], **env: str) -> dict:
    """``script --measure ARGUMENTS`` run with ``src`` first on the path: its last JSON line."""
    environment = {**os.environ, "PYTHONPATH": src, **env}
    out = subprocess.run([sys.executable, script, *arguments, "--measure"], env=environment,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def alternate(run: Callable[[str], dict], runs: int, before: str | None, warm_up: Callable[[str], dict] | None = None) -> None:
    """One untimed run per side (it writes that code's cache entry), then ``runs`` rounds of
    both sides, the order swapped every round; prints each result and the load average."""
    sides = [("after", HERE_SRC)] + ([("before", before)] if before else [])
    for _, src in sides:
        (warm_up or run)(src)
    load = os.getloadavg()
    for number in range(runs):
        for name, src in (sides if number % 2 == 0 else sides[::-1]):
            print(name, json.dumps(run(src)), flush=True)
    print(f"load {load[0]:.1f} -> {os.getloadavg()[0]:.1f}")
