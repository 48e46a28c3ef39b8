"""Figures of the risk map: the four-colour district map (安全风险四色图) and the district ×
category grade matrix."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.collections import PatchCollection  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.patches import Polygon as MplPolygon  # noqa: E402

from sim.studies.riskmap.inventory import worst_grade_by_district  # noqa: E402
from sim.studies.riskmap.matrix import GRADE_EN, GRADE_HEX, GRADES, grade_rank  # noqa: E402

NOT_OBSERVED_HEX = "#d9d9d9"
_CMAP = ListedColormap([NOT_OBSERVED_HEX, *(GRADE_HEX[g] for g in GRADES)])  # index = rank + 1


def risk_map(inventory: pd.DataFrame, city, title: str, path: Path) -> Path:
    """Districts coloured by their worst grade over all categories (City.polygons_lonlat)."""
    worst = worst_grade_by_district(inventory, city.n_districts)
    patches, vals = [], []
    for d, geom in enumerate(city.polygons_lonlat):
        for poly in getattr(geom, "geoms", [geom]):
            patches.append(MplPolygon(np.asarray(poly.exterior.coords), closed=True))
            vals.append(worst[d] + 1)
    fig, ax = plt.subplots(figsize=(8, 8))
    pc = PatchCollection(patches, cmap=_CMAP, edgecolor="white", linewidth=0.6)
    pc.set_array(np.asarray(vals, dtype=float))
    pc.set_clim(-0.5, len(GRADES) + 0.5)
    ax.add_collection(pc)
    ax.autoscale_view()
    ax.set_aspect(1.0 / np.cos(np.deg2rad(city.districts["lat"].mean())))
    for _, row in city.districts.iterrows():
        ax.annotate(row["name_en"], (row["lon"], row["lat"]), fontsize=7, ha="center")
    handles = [
        Patch(color=GRADE_HEX[g], label=f"{g} ({GRADE_EN[g]}): {int(np.sum(worst == i))}")
        for i, g in reversed(list(enumerate(GRADES)))
    ]
    handles.append(
        Patch(color=NOT_OBSERVED_HEX, label=f"no risk observed: {int(np.sum(worst < 0))}")
    )
    ax.legend(handles=handles, loc="lower right", fontsize=8, title="worst grade: districts")
    ax.set_title(title)
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return Path(path)


def grade_matrix(inventory: pd.DataFrame, city, title: str, path: Path) -> Path:
    """District × category grid coloured by grade, each cell labelled ``L×C``."""
    rows = inventory[inventory["district"] >= 0]
    cats = sorted(rows["category"].unique())
    n_d = city.n_districts
    rank = np.full((n_d, len(cats)), np.nan)
    label = np.full((n_d, len(cats)), "", dtype=object)
    col = {c: j for j, c in enumerate(cats)}
    ranks = grade_rank(rows["grade"].to_numpy()) if len(rows) else np.zeros(0, int)
    for r, (_, row) in zip(ranks, rows.iterrows(), strict=True):
        d, j = int(row["district"]), col[row["category"]]
        if np.isnan(rank[d, j]) or r > rank[d, j]:  # several hazards: keep the worst
            rank[d, j] = r
            label[d, j] = f"{row['likelihood_level']}×{row['consequence_level']}"
    fig, ax = plt.subplots(figsize=(1.3 * max(len(cats), 3) + 3, 0.38 * n_d + 2))
    ax.imshow(
        np.ma.masked_invalid(rank), cmap=_CMAP, vmin=-0.5, vmax=len(GRADES) - 0.5, aspect="auto"
    )
    for d in range(n_d):
        for j in range(len(cats)):
            ax.text(j, d, label[d, j], ha="center", va="center", fontsize=7)
    ax.set_xticks(range(len(cats)), [c.replace("_", "\n") for c in cats], fontsize=8)
    ax.set_yticks(range(n_d), list(city.districts["name_en"]), fontsize=8)
    handles = [Patch(color=GRADE_HEX[g], label=f"{g} ({GRADE_EN[g]})") for g in reversed(GRADES)]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    ax.set_title(f"{title}\ncell: likelihood level × consequence level")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return Path(path)
