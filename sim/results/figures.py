"""PNG figures of a run, either kind: :func:`write_figures` is the one entry; the emergency
window's figures (resilience curves, district impact map, response-time distribution) are
drawn here, the long run's in :mod:`sim.results.longrun_figures`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import PatchCollection  # noqa: E402
from matplotlib.patches import Polygon as MplPolygon  # noqa: E402

from sim.results.run_folder import LAYERS, timeseries_frame  # noqa: E402

if TYPE_CHECKING:
    from sim.models.emergency import CityModel

ALERT_COLOURS = {1: "#3b7dd8", 2: "#f2c400", 3: "#f28c00", 4: "#d62728"}


def _shade_alerts(ax, model: CityModel) -> None:
    mv = model.datacollector.get_model_vars_dataframe()
    levels = mv["alert_level"].to_numpy()
    for t, lvl in enumerate(levels):
        if lvl > 0:
            ax.axvspan(t - 0.5, t + 0.5, color=ALERT_COLOURS[int(lvl)], alpha=0.12, lw=0)


def resilience_curves(model: CityModel, path: Path) -> Path:
    """City-wide functionality of each layer over time (the resilience curve), with the
    alert level shaded. Power and water are weighted by households, drainage and roads by
    district (each district's share is already capacity- or length-weighted)."""
    ts = timeseries_frame(model)
    hh = model.city.districts["households"].to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(9, 4.5))
    lowest = 1.0
    for layer in LAYERS:
        sub = ts[ts["layer"] == layer].pivot(
            index="t_h", columns="district", values="functionality"
        )
        w = hh if layer in ("power", "water") else np.ones(sub.shape[1])
        city = (sub.to_numpy() * w).sum(axis=1) / w.sum()
        ax.plot(sub.index, city, label=layer, lw=1.8)
        lowest = min(lowest, float(np.nanmin(city)))
    _shade_alerts(ax, model)
    ax.set_xlabel(f"hours since {model.start_utc:%Y-%m-%d %H:%M} UTC")
    ax.set_ylabel("functionality (share of service)")
    # Zoom on the dip (a city-wide curve rarely falls far), but never hide 0 when reached.
    ax.set_ylim(max(0.0, lowest - 0.1 * (1.0 - lowest) - 0.01), 1.0 + 0.05 * (1.0 - lowest) + 0.002)
    ax.set_title(f"{model.config.name}: resilience curves (shading = alert level)")
    ax.legend(loc="lower left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _patches(geom):
    polys = getattr(geom, "geoms", [geom])
    return [MplPolygon(np.asarray(p.exterior.coords), closed=True) for p in polys]


def district_map(model: CityModel, path: Path) -> Path:
    """Two maps of the districts: peak 3-s gust (m/s) and worst share of households without
    power during the run."""
    ts = timeseries_frame(model)
    peak_gust = ts.groupby("district")["gust_ms"].max().to_numpy()
    power = ts[ts["layer"] == "power"].groupby("district")["functionality"].min().to_numpy()
    worst_out = 1.0 - power
    fig, axes = plt.subplots(1, 2, figsize=(12, 6))
    for ax, values, title, cmap in (
        (axes[0], peak_gust, "peak 3-s gust (m/s)", "viridis"),
        (axes[1], worst_out, "worst share of households without power", "magma_r"),
    ):
        patches, vals = [], []
        for d, geom in enumerate(model.city.polygons_lonlat):
            for p in _patches(geom):
                patches.append(p)
                vals.append(values[d])
        coll = PatchCollection(patches, cmap=cmap, edgecolor="white", linewidth=0.5)
        coll.set_array(np.asarray(vals, dtype=float))
        ax.add_collection(coll)
        ax.autoscale_view()
        ax.set_aspect(1.0 / np.cos(np.deg2rad(model.city.districts["lat"].mean())))
        ax.set_title(title)
        ax.set_xlabel("longitude (°E)")
        ax.set_ylabel("latitude (°N)")
        fig.colorbar(coll, ax=ax, shrink=0.7)
        for _, row in model.city.districts.iterrows():
            ax.annotate(row["name_en"], (row["lon"], row["lat"]), fontsize=6, ha="center")
    fig.suptitle(f"{model.config.name}: impact by district")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def response_times(model: CityModel, path: Path) -> Path:
    """Distributions of the first arrival and of the full bundle on scene (minutes after the
    incident; damage incidents only), with their means."""
    resp = np.asarray(model.service.response_times_h(), dtype=float) * 60.0
    full = np.asarray(model.service.full_bundle_times_h(), dtype=float) * 60.0
    fig, ax = plt.subplots(figsize=(8, 4.5))
    if resp.size:
        top = (
            np.percentile(np.concatenate([resp, full]), 99)
            if full.size
            else np.percentile(resp, 99)
        )
        bins = np.linspace(0, max(top, 1.0), 40)
        ax.hist(resp, bins=bins, alpha=0.7, label=f"first arrival (n={resp.size})")
        if full.size:
            ax.hist(full, bins=bins, alpha=0.5, label=f"full bundle (n={full.size})")
        ax.axvline(
            np.mean(resp),
            color="k",
            ls="--",
            lw=1,
            label=f"first arrival mean {np.mean(resp):.0f} min",
        )
        if full.size:
            ax.axvline(
                np.mean(full), color="C1", ls=":", lw=1.5,
                label=f"full bundle mean {np.mean(full):.0f} min",
            )  # fmt: skip
        ax.legend()
    else:
        ax.text(0.5, 0.5, "no incident served", ha="center", transform=ax.transAxes)
    ax.set_xlabel("minutes after the incident")
    ax.set_ylabel("incidents")
    ax.set_title(f"{model.config.name}: response times")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def write_figures(model, out_dir: Path, makers: dict) -> dict[str, Path]:
    """Draw every figure of a finished run that applies.

    Args:
        model: the finished model (either kind).
        out_dir: the run folder.
        makers: path key → (file name, maker), as
            :meth:`sim.results.kinds.ModelKind.figure_makers`; a maker returns None when its
            figure does not apply (e.g. no latent risk without a stock or pipes).

    Returns:
        Path key → written path.
    """
    out_dir = Path(out_dir)
    out = {}
    for key, (name, make) in makers.items():
        path = make(model, out_dir / name)
        if path is not None:
            out[key] = path
    return out
