"""Benchmark: CPU time of ``citysafe --help`` (and of any other citysafe arguments).

Usage: .venv/bin/python benchmarks/cli_startup.py [--runs N] [--importtime] [-- ARGS ...]

Runs ``python -c "from sim.interfaces.cli.main import app; app()" ARGS`` (default ARGS:
``--help``) N times (default 5) in fresh processes of this interpreter, with this checkout's
``sim`` first on the path, and prints each run's user + system CPU seconds (the children's
``resource.getrusage`` before and after, as ``/usr/bin/time -f %U+%S`` reports them) and their
median. Target for ``--help``: under 0.3 s. ``--importtime`` adds the ten imports with the
largest cumulative time of one more run (``python -X importtime``, microseconds).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENTRY = "from sim.interfaces.cli.main import app; app()"


def cpu_seconds(args: list[str], env: dict[str, str]) -> float:
    """User + system CPU seconds of one ``citysafe ARGS`` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [sys.executable, "-c", ENTRY, *args], cwd=ROOT, env=env, capture_output=True, check=False
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def slowest_imports(args: list[str], env: dict[str, str], n: int = 10) -> list[tuple[int, str]]:
    """(cumulative microseconds, module) of the ``n`` slowest imports of one run."""
    res = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", ENTRY, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    rows = []
    for line in res.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].strip()))
    return sorted(rows, reverse=True)[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--importtime", action="store_true")
    parser.add_argument("args", nargs="*", default=["--help"])
    opts = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    times = [cpu_seconds(opts.args, env) for _ in range(opts.runs)]
    print(f"citysafe {' '.join(opts.args)}: CPU s (user + system) per run:")
    print("  " + "  ".join(f"{t:.2f}" for t in times))
    print(f"  median {statistics.median(times):.2f} s over {len(times)} runs")
    if opts.importtime:
        print("slowest imports (cumulative µs):")
        for us, module in slowest_imports(opts.args, env):
            print(f"  {us:>9,}  {module}")


if __name__ == "__main__":
    main()
