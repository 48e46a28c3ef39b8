"""Issue 17, the last review's leftovers on figures and tables reading right at first sight:
the risk map's never-observed cells, the forest plot's panels, the black swan's intensity unit
and the epidemic's district heat map."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import matplotlib
import pandas as pd

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from rich.console import Console  # noqa: E402

from sim.results.html_report import outcome_rows  # noqa: E402
from sim.results.outcome_text import outcome_label, outcome_unit  # noqa: E402
from sim.results.report import summary_table  # noqa: E402
from sim.scenario.longrun import LONGRUN_SUMMARY_UNITS, LongRunScenario  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _keep_figures(monkeypatch, module) -> dict:
    """Make ``module.plt.close`` keep the figure it closes (drawn) in the returned dict."""
    kept: dict = {}
    real_close = plt.close

    def keep(fig=None):
        kept["fig"] = fig
        fig.canvas.draw()
        real_close(fig)

    monkeypatch.setattr(module.plt, "close", keep)
    return kept


# ------------------------------------------------------------------ black swan intensity unit
class _LongRun:
    OUTCOME_UNITS = LongRunScenario.OUTCOME_UNITS
    name, seed, observed = "pipeline-ageing", 2003, {}

    class years:  # noqa: N801 - the scenario's section
        start_year, n_years = 2003, 18


def test_black_swan_intensity_reads_as_a_multiple_of_x_min_everywhere():
    summary = {"black_swan_intensity_max": 1.364, "black_swan_amplification_max": 3.12}
    unit = outcome_unit("black_swan_intensity_max", LONGRUN_SUMMARY_UNITS)
    assert unit == "multiple of x_min"
    label = outcome_label("black_swan_intensity_max", LONGRUN_SUMMARY_UNITS)
    assert label == "Largest black-swan intensity (multiple of x_min)"
    rows = {r[0]: r for r in outcome_rows(summary, _LongRun())}  # report.html
    assert rows["black_swan_intensity_max"][1:3] == (label, "1.36")
    console = Console(width=120, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(summary_table(summary, _LongRun(), width=120))
    text = console.export_text()
    assert "multiple of x_min" in text and "Pareto" not in text


def test_latent_risk_figure_names_the_black_swan_intensity_unit(monkeypatch, tmp_path):
    from sim.results import longrun_figures

    by = pd.DataFrame(
        {"t_yr": [2003, 2004, 2003, 2004], "sector": ["pipeline"] * 2 + ["facade"] * 2,
         "total": [1.0, 2.0, 0.5, 0.7], "harm": [2.0, 3.0, 1.0, 1.2]}
    )  # fmt: skip
    model = SimpleNamespace(
        shock_log=[{"t_yr": 2003.5, "kind": "extreme_rainstorm", "intensity": 2.25,
                    "amplification": 3.4}],
        config=SimpleNamespace(name="t", seed=1),
    )  # fmt: skip
    kept = _keep_figures(monkeypatch, longrun_figures)
    panel = SimpleNamespace(data={"by": by})
    longrun_figures.draw_latent_risk(model, [panel], tmp_path / "l.png")
    texts = [t.get_text() for ax in kept["fig"].axes for t in ax.texts]
    assert texts == ["extreme rainstorm: intensity 2.2 × x_min, failures ×3.4"]
    legend = [t.get_text() for t in kept["fig"].axes[1].get_legend().get_texts()]
    assert any("multiple of x_min" in t for t in legend), legend
