"""Studies over many runs: sweeps, policy comparisons, calibration, the risk map, verification,
analyses."""
