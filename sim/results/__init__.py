"""Run folders: summary, tables (Parquet), resolved scenario; console report.

A sweep folder (many runs) is read by :func:`sim.studies.sweep.table.load`.
"""
