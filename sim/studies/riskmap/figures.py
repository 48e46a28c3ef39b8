"""Figures of the risk map: the district × risk grade matrix and the four-colour district maps
(安全风险四色图), one small map per matrix column.

Both figures draw the same cells, :func:`sim.studies.riskmap.inventory.grade_cells` (one per
inventory row, its grade as :func:`sim.studies.riskmap.matrix.grade` assigned it), each in its
grade's colour from :data:`~sim.studies.riskmap.matrix.GRADE_HEX`, the one colour table. Every
cell is one patch whose ``gid`` is ``cell:<row>:<column>``, so a reader (or a test) can take
the data behind a figure from its patches; the legends count those patches by colour. A cell
whose risk occurred in none of the trials is drawn light grey and hatched, and the legend says
"not observed in n replications (upper bound X per year)".
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.patches import Patch, PathPatch, Rectangle  # noqa: E402
from matplotlib.path import Path as MplPath  # noqa: E402

from sim.core.fonts import use_cjk_fallback  # noqa: E402
from sim.studies.riskmap.inventory import grade_cells, not_observed_text  # noqa: E402
from sim.studies.riskmap.matrix import (  # noqa: E402
    GRADE_EN,
    GRADE_HEX,
    GRADES,
    NOT_OBSERVED,
    NOT_OBSERVED_HATCH,
)

use_cjk_fallback()  # Chinese names in a CJK font when one is installed (sim.core.fonts)

KEY_FILL_HEX = "#f4f4f4"
"""Fill of the key panel's districts (not a grade colour)."""
TEXT_ON = {"blue": "white", "yellow": "black", "orange": "black", "red": "white",
           NOT_OBSERVED: "#404040"}  # fmt: skip
"""Cell label colour on each grade's fill (contrast)."""
HATCH_EDGE_HEX = "#8c8c8c"
"""Edge (and so hatch) colour of a not-observed cell."""


def _style(grade: str, linewidth: float = 0.5) -> dict:
    """Patch keywords of a cell of ``grade``: its colour, and the hatch of a not-observed cell."""
    if grade == NOT_OBSERVED:
        return {"facecolor": GRADE_HEX[grade], "edgecolor": HATCH_EDGE_HEX,
                "hatch": NOT_OBSERVED_HATCH, "linewidth": 0.5}  # fmt: skip
    return {"facecolor": GRADE_HEX[grade], "edgecolor": "white", "linewidth": linewidth}


def _legend_handles(cells: pd.DataFrame, not_observed: str) -> list[Patch]:
    """One handle per grade, high to low, with the number of cells drawn in its colour, then
    the not-observed cells (``not_observed``: :func:`~sim.studies.riskmap.inventory.
    not_observed_text`) when there are any."""
    n = cells["grade"].value_counts()
    handles = [
        Patch(facecolor=GRADE_HEX[g], label=f"{g} ({GRADE_EN[g]} risk): {int(n.get(g, 0))} cells")
        for g in reversed(GRADES)
    ]
    if n.get(NOT_OBSERVED, 0):
        label = textwrap.fill(f"{not_observed}: {int(n[NOT_OBSERVED])} cells", 36)
        handles.append(Patch(**_style(NOT_OBSERVED), label=label))
    return handles


def draw_matrix(
    cells: pd.DataFrame, row_labels: list[str], title: str, not_observed: str = "not observed"
) -> plt.Figure:
    """The district × (category, hazard) grade matrix, each cell labelled ``L… C…`` (a
    not-observed cell: "none seen" and its upper bound per year).

    Args:
        cells: :func:`~sim.studies.riskmap.inventory.grade_cells` output.
        row_labels: district names in order (a ``(city-wide)`` row is added when used).
        title: figure title.
        not_observed: the legend's words for a not-observed cell
            (:func:`~sim.studies.riskmap.inventory.not_observed_text`).
    """
    labels = [*row_labels, "(city-wide)"] if (cells["row"] >= len(row_labels)).any() else row_labels
    cols = cells.drop_duplicates("column").sort_values("column")["column_label"].tolist()
    n_r, n_c = len(labels), max(len(cols), 1)
    fig, ax = plt.subplots(figsize=(1.45 * max(n_c, 3) + 3.2, 0.42 * n_r + 2.4))
    for c in cells.itertuples(index=False):
        ax.add_patch(
            Rectangle((c.column - 0.5, c.row - 0.5), 1, 1, gid=f"cell:{c.row}:{c.column}",
                      **_style(c.grade, 1.0))
        )  # fmt: skip
        ax.text(c.column, c.row, c.label, ha="center", va="center",
                fontsize=6.5 if c.grade == NOT_OBSERVED else 8, color=TEXT_ON[c.grade],
                bbox={"facecolor": GRADE_HEX[c.grade], "edgecolor": "none", "pad": 0.5}
                if c.grade == NOT_OBSERVED else None)  # fmt: skip
    ax.set_xlim(-0.5, n_c - 0.5)
    ax.set_ylim(n_r - 0.5, -0.5)
    ax.set_xticks(range(len(cols)), cols, fontsize=8)
    ax.set_yticks(range(n_r), labels, fontsize=8)
    ax.tick_params(length=0)
    ax.legend(
        handles=_legend_handles(cells, not_observed), loc="upper left",
        bbox_to_anchor=(1.01, 1.0), fontsize=8, title="grade", title_fontsize=8,
    )  # fmt: skip
    ax.set_title(title, fontsize=10)
    fig.text(
        0.01, 0.01,
        "L: likelihood level of the annual frequency (1 < 0.001/yr, 2 < 0.01, 3 < 0.1, 4 < 1, "
        "5 >= 1 per year); C: consequence level (State Council Decree 493 grades); grades.md "
        "gives the bounds and sources",
        fontsize=7, ha="left", va="bottom",
    )  # fmt: skip
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def _district_paths(city) -> list[MplPath]:
    """One compound path (exteriors of all parts) per district, lon/lat degrees."""
    out = []
    for geom in city.polygons_lonlat:
        parts = [MplPath(np.asarray(p.exterior.coords), closed=True)
                 for p in getattr(geom, "geoms", [geom])]  # fmt: skip
        out.append(MplPath.make_compound_path(*parts))
    return out


def draw_map(cells: pd.DataFrame, city, title: str, not_observed: str = "not observed"):
    """Small four-colour maps, one per matrix column, after a key map of district names
    (a district where the column's risk was never observed: hatched grey).

    Args:
        cells: :func:`~sim.studies.riskmap.inventory.grade_cells` output.
        city: the :class:`~sim.city.City` (``polygons_lonlat``, ``districts``).
        title: figure title.
        not_observed: the legend's words for a not-observed cell
            (:func:`~sim.studies.riskmap.inventory.not_observed_text`).
    """
    paths = _district_paths(city)
    n_d = len(paths)
    columns = cells.drop_duplicates("column").sort_values("column")
    n_panels = len(columns) + 1
    n_cols = min(4, n_panels)
    n_rows = math.ceil(n_panels / n_cols)
    aspect = 1.0 / np.cos(np.deg2rad(city.districts["lat"].mean()))
    verts = np.concatenate([p.vertices for p in paths])
    span = np.ptp(verts, axis=0)  # lon, lat extent, degrees
    panel_h = float(np.clip(3.0 * span[1] * aspect / max(span[0], 1e-9), 1.5, 4.5)) + 0.8
    handles = _legend_handles(cells, not_observed)
    legend_h = 0.75 + 0.25 * (len(handles) > 4)  # inches: a second line for "not observed"
    fig, axes = plt.subplots(n_rows, n_cols,
                             figsize=(3.6 * n_cols, panel_h * n_rows + 0.75 + legend_h),
                             squeeze=False)  # fmt: skip
    axes = axes.ravel()
    key = axes[0]
    for path in paths:
        key.add_patch(PathPatch(path, facecolor=KEY_FILL_HEX, edgecolor="grey", linewidth=0.5))
    for i, (lon, lat) in enumerate(zip(city.districts["lon"], city.districts["lat"], strict=True)):
        key.text(lon, lat, str(i + 1), fontsize=6, ha="center", va="center")
    key.set_title("districts (numbers below)", fontsize=9)
    for ax, col in zip(axes[1:], columns.itertuples(index=False), strict=False):
        mine = cells[cells["column"] == col.column]
        for c in mine.itertuples(index=False):
            if c.row < n_d:
                patch = PathPatch(paths[c.row], gid=f"cell:{c.row}:{c.column}",
                                  **_style(c.grade))  # fmt: skip
            else:  # a city-wide cell: a box in the panel's corner
                patch = Rectangle((0.02, 0.02), 0.1, 0.08, transform=ax.transAxes,
                                  gid=f"cell:{c.row}:{c.column}",
                                  **(_style(c.grade) | {"edgecolor": "black"}))  # fmt: skip
                ax.text(0.13, 0.06, "city-wide", transform=ax.transAxes, fontsize=6,
                        va="center")  # fmt: skip
            ax.add_patch(patch)
        ax.set_title(col.column_label.replace("\n", " "), fontsize=9)
    for ax in axes[:n_panels]:
        ax.autoscale_view()
        ax.set_aspect(aspect)
        ax.tick_params(labelsize=6)
        ax.set_xlabel("longitude (°E)", fontsize=7)
        ax.set_ylabel("latitude (°N)", fontsize=7)
    for ax in axes[n_panels:]:
        ax.set_visible(False)
    nbsp = "\u00a0"  # no-break spaces: a name is never split over two lines
    names = [
        f"{i + 1}{nbsp}{n.replace(' ', nbsp)}" for i, n in enumerate(city.districts["name_en"])
    ]
    key_text = textwrap.fill("districts: " + " · ".join(names), width=int(30 * n_cols))
    fig.text(0.5, 0.005, key_text, fontsize=7, ha="center", va="bottom")
    n_lines = key_text.count("\n") + 1
    legend_y = (0.15 + 0.13 * n_lines) / fig.get_figheight()
    fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), 3), fontsize=8,
               title="grade of each district in each panel", title_fontsize=8,
               bbox_to_anchor=(0.5, legend_y))  # fmt: skip
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, legend_y + legend_h / fig.get_figheight(), 1, 0.97))
    return fig


def risk_map(inventory: pd.DataFrame, city, title: str, path: Path) -> Path:
    """Write :func:`draw_map` of the inventory's cells to ``path`` (PNG)."""
    cells = grade_cells(inventory, list(city.districts["name_en"]))
    fig = draw_map(cells, city, title, not_observed_text(inventory))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


def grade_matrix(inventory: pd.DataFrame, city, title: str, path: Path) -> Path:
    """Write :func:`draw_matrix` of the inventory's cells to ``path`` (PNG)."""
    names = list(city.districts["name_en"])
    fig = draw_matrix(grade_cells(inventory, names), names, title, not_observed_text(inventory))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)
