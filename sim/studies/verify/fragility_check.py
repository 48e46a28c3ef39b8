"""Verification: sampled fragility damage fractions vs the lognormal CDF, every library curve.

``citysafe verify fragility``: for every curve in `sim.damage.fragility.FRAGILITY_LIBRARY`, sample
``n_samples`` capacities with the library's own sampler (`FragilityCurve.sample_capacity`) and
evaluate, at IM levels theta * exp(beta * z) for z in {-1.5, -0.5, 0, 0.5, 1.5}, the damaged
fraction #(C <= IM) / n. Theory: Phi(ln(IM/theta)/beta) computed independently with
``scipy.stats.norm.cdf`` (and the library's ``probability`` must agree with it to 1e-12).

Tolerance: half-width of the Wilson score interval (Wilson 1927, JASA 22:209-212) around the
sampled fraction; a check passes if Phi lies inside the interval. With ~160 checks in one run a
per-check 99.9% level would fail spuriously with probability ~15%, so by default the level is
Bonferroni-corrected to a FAMILY-WISE 99.9% (per-check 1 - 0.001 / n_checks); set
``family_wise=False`` for per-check 99.9% intervals.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

from sim.core.cli_input import Bound
from sim.damage.fragility import FRAGILITY_LIBRARY, FragilityCurve
from sim.studies.verify.report import Check, VerifyInputError
from sim.studies.verify.sir_final_size import wilson_interval

Z_LEVELS = (-1.5, -0.5, 0.0, 0.5, 1.5)
SAMPLES = Bound(1, 10_000_000, integer=True)
"""Capacities sampled per curve: at most 10 million, 80 MB an array (the curves are sampled one
at a time; about a minute for every curve on the development machine, 0.1 s at the default
20,000)."""


def check_curve(
    curve: FragilityCurve,
    rng: np.random.Generator,
    n_samples: int,
    confidence: float,
    z_levels=Z_LEVELS,
) -> list[Check]:
    """Damage-fraction checks of one curve at each z level (see module docstring)."""
    cap = curve.sample_capacity(rng, n_samples)
    out = []
    for z in z_levels:
        im = curve.theta * np.exp(curve.beta * z)
        theory = float(norm.cdf(np.log(im / curve.theta) / curve.beta))
        lib = float(curve.probability(np.array([im]))[0])
        k = int(np.count_nonzero(cap <= im))
        lo, hi = wilson_interval(k, n_samples, confidence)
        sim = k / n_samples
        lib_ok = abs(lib - theory) < 1e-12
        out.append(
            Check(
                name=f"fragility[{curve.key}]",
                quantity=f"damage fraction at {curve.im}={im:.4g} (z={z:+.1f})",
                simulated=sim,
                theory=theory,
                # half-width on the theory's side: PASS <=> Phi inside the Wilson interval
                tolerance=hi - sim if theory >= sim else sim - lo,
                passed=None if lib_ok else False,
                detail=f"n={n_samples}, Wilson {confidence:.5%} interval [{lo:.4g}, {hi:.4g}], "
                f"library probability {lib:.6g}",
            )
        )
    return out


def verify_fragility(
    rng: np.random.Generator,
    *,
    n_samples: int = 20_000,
    confidence: float = 0.999,
    family_wise: bool = True,
    library: dict[str, FragilityCurve] | None = None,
) -> list[Check]:
    """Check every library curve at every z level.

    Args:
        rng: random generator.
        n_samples: capacities sampled per curve.
        confidence: family-wise (default) or per-check confidence level.
        family_wise: Bonferroni-correct the per-check level.
        library: curves to check (default the full `FRAGILITY_LIBRARY`).

    Returns:
        One `Check` per (curve, z level).

    Raises:
        VerifyInputError: ``n_samples`` beyond :data:`SAMPLES`.
    """
    if (problem := SAMPLES.problem(n_samples)) is not None:
        raise VerifyInputError(f"--samples {n_samples}: {problem}")
    lib = FRAGILITY_LIBRARY if library is None else library
    n_checks = len(lib) * len(Z_LEVELS)
    per_check = 1.0 - (1.0 - confidence) / n_checks if family_wise else confidence
    results: list[Check] = []
    for key in sorted(lib):
        results.extend(check_curve(lib[key], rng, n_samples, per_check))
    return results
