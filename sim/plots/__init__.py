"""Figures of a run (matplotlib, Agg backend)."""
