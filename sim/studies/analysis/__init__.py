"""Analyses over generated networks and runs (no Mesa model needed).

- `criticality`: single-asset failure screening, ranking assets and districts by the expected
  cascade size (``citysafe criticality SCENARIO --out DIR``).
"""
