"""Live charts of a session: functionality per layer, open incidents, casualties, resources
busy and people relocated, from :func:`sim.interfaces.app.readout.hourly_history`."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from sim.interfaces.app.mapview import LAYER_COLOURS
from sim.interfaces.app.readout import LAYERS


def charts_figure(history: pd.DataFrame) -> Figure:
    """Five small panels over model time (hours), plus the direct loss so far."""
    t = history["t_h"].to_numpy()
    fig = Figure(figsize=(9.6, 4.6))
    # fixed margins: constrained layout costs seconds per frame on a busy server
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.1, top=0.93, wspace=0.3, hspace=0.55)
    axes = fig.subplots(2, 3).ravel()
    ax = axes[0]
    for layer in LAYERS:
        ax.plot(t, 100 * history[f"functionality_{layer}"], label=layer,
                color=LAYER_COLOURS[layer], drawstyle="steps-post")  # fmt: skip
    ax.set_title("functionality (% of service)", fontsize=9)
    ax.legend(fontsize=7)
    panels = [
        ("open incidents", [("open_incidents", "open")]),
        ("casualties (persons)", [("deaths", "deaths"), ("injuries", "injuries")]),
        ("resources busy (teams)", [("busy_teams", "busy")]),
        ("people relocated (persons)", [("relocated_now_persons", "now")]),
        ("direct loss (million yuan)", [("direct_loss_yuan", "loss")]),
    ]
    for ax, (title, series) in zip(axes[1:], panels, strict=False):
        for key, label in series:
            scale = 1e-6 if key.endswith("_yuan") else 1.0
            ax.plot(t, scale * history[key], label=label, drawstyle="steps-post")
        ax.set_title(title, fontsize=9)
        if len(series) > 1:
            ax.legend(fontsize=7)
    for ax in axes:
        ax.set_xlabel("model time (h)", fontsize=8)
        ax.tick_params(labelsize=7)
    return fig
