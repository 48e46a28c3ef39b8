"""Run folders: summary, tables (Parquet), resolved scenario; console report."""
