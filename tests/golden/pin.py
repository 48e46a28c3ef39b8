"""Re-pin the golden summaries: run every shipped scenario through the CLI and record them.

Usage: ``.venv/bin/python tests/golden/pin.py [NAME ...] --reason "why the values changed"``.

Only for a change whose effect on the outcomes is understood and stated in the commit
(e.g. a random stream moved to its own component). The source line of each re-pinned
entry names the commit the values were produced at and the reason.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).with_name("summaries.json")
CLI = Path(sys.executable).with_name("citysafe")


FULL_SCALE = ("lekima-2019-full",)
"""Scenarios at 1:1 (minutes and gigabytes a run): measured by benchmarks/full_scale.py, not
pinned here, so the suite stays within its time on two cores."""


def shipped() -> dict[str, Path]:
    """Every shipped scenario file, by golden key (``<city folder>/<stem>`` outside Shanghai),
    but the :data:`FULL_SCALE` ones."""
    out = {}
    for path in sorted((ROOT / "scenarios").glob("*/*.yaml")):
        if path.parent.name == "data" or path.stem in FULL_SCALE:
            continue
        key = path.stem if path.parent.name == "shanghai" else f"{path.parent.name}/{path.stem}"
        out[key] = path
    return out


def run_summary(path: Path) -> dict:
    """Run one scenario with the CLI (no figures) and return its summary without wall time."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [str(CLI), "run", str(path), "--out", tmp, "--no-figures", "-q"],
            check=True,
            capture_output=True,
        )
        summary = json.loads((Path(tmp) / "summary.json").read_text())
    summary.pop("wall_time_s", None)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help="golden keys to re-pin (default: all)")
    parser.add_argument("--reason", required=True)
    args = parser.parse_args()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    golden = json.loads(GOLDEN.read_text())
    for key, path in shipped().items():
        if args.names and key not in args.names:
            continue
        rel = path.relative_to(ROOT)
        golden["scenarios"][key] = {
            "source": f"citysafe run {rel} --no-figures at commit {commit}+ ({args.reason})",
            "summary": run_summary(path),
        }
        print(f"pinned {key}")
    GOLDEN.write_text(json.dumps(golden, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
