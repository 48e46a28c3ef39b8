"""Verification of the installation against published results (``citysafe verify NAME``).

- `report`: the common `Check` result type and line format
  ``NAME: QUANTITY simulated X vs theory Y (tolerance T) PASS|FAIL``.
- `buldyrev`: coupled Erdős–Rényi layers, Buldyrev et al. (2010).
- `motter_lai`: load-redistribution cascades on Barabási–Albert graphs, Motter & Lai (2002).
- `commands`: the typer sub-app `verify_app` (imported lazily by the CLI).

Further checks (erlang-c, sir-final-size, fragility, gas-isolation: the gas layer's valve
isolation against its graph) live beside these modules.
"""

from sim.studies.verify.report import Check, all_passed, print_checks

__all__ = ["Check", "all_passed", "print_checks"]
