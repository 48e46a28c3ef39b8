"""Run folders: summary, tables (Parquet), resolved scenario; console report."""

from sim.results.sweep_table import load  # noqa: E402,F401  (sim.results.load(DIR))
