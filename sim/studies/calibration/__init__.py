"""Calibration of scenario parameters to observed figures by ABC-SMC (pyabc)."""
