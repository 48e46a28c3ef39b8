"""The long input fuzz run (issue 16): many mutated inputs, no traceback, no hang.

Usage: .venv/bin/python benchmarks/fuzz_inputs.py [--examples N] [--log FILE]

Runs ``tests/test_fuzz_inputs.py`` with ``N`` hypothesis examples per example-city target
(``N // 3`` per Shanghai target, whose runs take ~4 s; random, not the CI's derandomised
examples) and counts what happened to every mutated input from the test's log: how many
``validate`` refused (exit 2), and of those it accepted, how many ``run`` finished (exit 0)
or refused (exit 2). Any traceback or hang fails the test and this script (exit 1), with
hypothesis's smallest failing input in the output.

Each input is one damaged file (scenario, city data file, track, wind radii; see
``tests/fuzz_mutations.py``). With the default N = 400: ~400 + 400 + 133 inputs plus the
import files and journals, about 15 min on 2 cores.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=400, help="examples per target")
    ap.add_argument("--log", type=Path, default=None, help="keep the per-input log here")
    args = ap.parse_args()
    log = args.log or Path(tempfile.mkdtemp(prefix="citysafe-fuzz-")) / "inputs.jsonl"
    log.unlink(missing_ok=True)
    env = dict(os.environ, CITYSAFE_FUZZ_EXAMPLES=str(args.examples), CITYSAFE_FUZZ_LOG=str(log))
    t0 = time.perf_counter()
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
           str(ROOT / "tests" / "test_fuzz_inputs.py")]  # fmt: skip
    result = subprocess.run(cmd, cwd=ROOT, env=env, check=False)
    wall = time.perf_counter() - t0
    rows = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    counts = collections.Counter((r["target"], r["validate"], r["run"]) for r in rows)
    targets = sorted({r["target"] for r in rows})
    print(f"\n{len(rows)} mutated inputs in {wall / 60:.1f} min (log: {log})")
    print(f"{'input':<44}{'inputs':>8}{'refused':>9}{'ran':>6}{'run refused':>13}")
    for t in targets:
        n = sum(v for (tt, _, _), v in counts.items() if tt == t)
        refused = counts[(t, 2, None)]
        ran = counts[(t, 0, 0)]
        print(f"{t:<44}{n:>8}{refused:>9}{ran:>6}{counts[(t, 0, 2)]:>13}")
    print("result:", "no traceback, no hang" if result.returncode == 0 else "FAILED (see above)")
    return 0 if result.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
