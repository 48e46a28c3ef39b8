"""Run folders: summary, tables (Parquet), resolved scenario; console report; sweep tables."""

from __future__ import annotations

from pathlib import Path


def load(directory: str | Path):
    """A sweep folder as a tidy DataFrame, one row per run (see
    :func:`sim.results.sweep_table.load`). Imported lazily: the sweep modules import this
    package's writers."""
    from sim.results.sweep_table import load as _load

    return _load(directory)
