"""The trapped-share calibration's posterior (experiments/typhoon_calibration/trapped_share.py):
its quantiles against a numerical integration of exp(-L s / S0) on [0, S0]."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import cumulative_trapezoid

HERE = Path(__file__).resolve().parents[1] / "experiments" / "typhoon_calibration"


def _module():
    sys.path.insert(0, str(HERE))
    try:
        spec = importlib.util.spec_from_file_location("trapped_share", HERE / "trapped_share.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod
    finally:
        sys.path.remove(str(HERE))


@pytest.mark.parametrize("total", [0.5, 6.2, 40.0])
@pytest.mark.parametrize("q", [0.05, 0.5, 0.95])
def test_posterior_quantiles_match_a_numerical_integration(total, q):
    mod = _module()
    s = np.linspace(0.0, mod.S0, 200_001)
    dens = np.exp(-total * s / mod.S0)
    cdf = cumulative_trapezoid(dens, s, initial=0.0)
    cdf /= cdf[-1]
    assert mod.posterior_quantile(q, total) == pytest.approx(np.interp(q, cdf, s), rel=2e-3)


def test_no_deaths_anywhere_leaves_the_prior_and_the_summary_counts_storms():
    mod = _module()
    assert mod.posterior_quantile(0.5, 0.0) == pytest.approx(mod.S0 / 2)
    runs = pd.DataFrame({"storm": ["a", "a", "b", "b"], "deaths": [2, 0, 0, 0]})
    text = mod.summarise(runs)
    # L = 1: median = -(S0) ln((1 + e^-1) / 2) = 0.3799 S0
    assert f"median {-mod.S0 * np.log((1 + np.exp(-1)) / 2):.4f}" in text
    # at the median storm a (1 death a run at S0) goes without a death in exp(-0.38) = 68 %
    assert "| a | 2 | 1.00 | 68% |" in text and ">= 80 % at the median: 1/2" in text
