"""Issue 17, the fresh-clone review's last findings: flooded 10 kV transformers named, logged,
counted and repaired as transformers (not substations); observed figures that are lower or
upper bounds; the CJK font check of ``citysafe doctor`` and the figures' CJK font; the storm
surge's flood map showing what flooded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.damage.impact import UNIT_COST_YUAN
from sim.networks.infrastructure import INCIDENT_KIND, LOSS_ITEM
from sim.networks.spec import SUBSTATION_TYPES, TRANSFORMER_TYPES
from sim.response.incidents import INCIDENT_CATALOGUE
from sim.results.summary import SUMMARY_KEYS, summarise
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SURGE = ROOT / "scenarios" / "shanghai" / "storm-surge.yaml"
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"


@pytest.fixture(scope="module")
def surge_model():
    """The storm surge on a coarse network, stepped hourly, through the storm tide's peak
    (14 h after the start); ~2 s."""
    from sim.models.emergency import CityModel

    overrides = ["networks.resolution=0.1", "time.duration_h=18", "time.physics_step_h=1"]
    model = CityModel(load_scenario(SURGE, overrides))
    model.run()
    return model


# ------------------------------------------------ 2. flooded transformers are transformers


def test_a_flooded_transformer_has_its_own_kind_recipe_and_loss_item():
    kind = INCIDENT_KIND[("distribution_transformer_10kv", "flood_depth_m")]
    assert kind == "transformer_flood"
    assert LOSS_ITEM[kind] == "transformer_flood"
    assert UNIT_COST_YUAN["transformer_flood"][0] == 150_000.0  # not the substation's 3 M
    recipe, station = INCIDENT_CATALOGUE[kind], INCIDENT_CATALOGUE["substation_flood"]
    assert recipe.need.teams == {"power_repair": 1}  # one line crew, no drainage crew
    assert recipe.need.equipment == {"pump": 1, "generator": 1}
    assert recipe.work_h == 6.0 < station.work_h
    assert recipe.value_at_risk_yuan == 3.0e5 < station.value_at_risk_yuan
    assert "assumption" in recipe.basis


def test_the_surges_flooded_transformers_are_logged_counted_and_costed_as_transformers(
    surge_model,
):
    model = surge_model
    s = summarise(model, 0.0)
    assert list(s) == list(SUMMARY_KEYS) and "transformers_flooded" in s
    ev = model.events.to_frame()
    inc = ev[(ev["kind"] == "incident") & (ev["layer"] == "power")]
    layer = model.infra.layers["power"]
    types = np.asarray(layer.asset_types)[layer.nodes["asset_type"][inc["asset"].to_numpy()]]
    kinds = inc["detail"].to_numpy()
    on_transformers = kinds[np.isin(types, TRANSFORMER_TYPES)]
    on_stations = kinds[np.isin(types, SUBSTATION_TYPES)]
    # no wind, no shaking: every power incident is a flood, named after what flooded
    assert set(on_transformers) == {"transformer_flood"}
    assert set(on_stations) == {"substation_flood"}
    assert s["transformers_flooded"] == on_transformers.size > 100
    assert s["substations_failed"] == on_stations.size >= 1
    # a flooded transformer trips its feeder: part of power_line_faults (here all of them)
    assert s["power_line_faults"] == s["transformers_flooded"]
    counts = model.losses.counts
    assert counts["transformer_flood"] == s["transformers_flooded"]
    assert counts["substation_flood"] == s["substations_failed"]


def test_wind_faults_are_not_counted_as_flooded_transformers():
    """The example city's typhoon: its 10 kV faults are the wind's (and its rain ponding's
    flooded transformers, if any): transformers_flooded counts only the flood's, exactly."""
    from sim.models.emergency import CityModel

    model = CityModel(load_scenario(EXAMPLE, []))
    model.run()
    s = summarise(model, 0.0)
    ev = model.events.to_frame()
    inc = ev[(ev["kind"] == "incident") & (ev["layer"] == "power")]
    assert s["transformers_flooded"] == int((inc["detail"] == "transformer_flood").sum())
    wind = int((inc["detail"] == "power_line_fault").sum())
    assert wind > 0
    assert s["power_line_faults"] == wind + s["transformers_flooded"]


# ---------------------------------------------- 1. observed figures that are bounds


def _impacts(tmp_path, rows: list[str]) -> Path:
    head = "storm,outcome,value,qualifier,source_outlet,source_date,source_url"
    path = tmp_path / "impacts.csv"
    path.write_text("\n".join([head, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_more_than_figure_of_an_impacts_table_is_a_lower_bound(tmp_path):
    from sim.interfaces.storm_scenario import read_observed

    path = _impacts(
        tmp_path,
        [
            "s1,trees_down,3000,>,outlet,2015-07-11,u",  # 树木倒伏3千余棵
            "s1,deaths,0,=,outlet,2015-07-11,u",
            "s1,people_relocated,100000,=,a,d,u",
            "s1,people_relocated,163000,~,b,d,u",
            "s1,signboards_fallen,100,<,c,d,u",
        ],
    )
    rec = read_observed(path, "s1")
    assert rec["trees_down"]["value"] == 3000 and rec["trees_down"]["bound"] == "at_least"
    assert "bound" not in rec["deaths"]  # a plain number stays exact
    assert "bound" not in rec["people_relocated"]  # "~" is a figure, not a bound
    assert rec["signboards_fallen"]["bound"] == "at_most"


def test_the_shipped_chan_hom_record_of_trees_down_is_at_least_3000():
    from sim.interfaces.storm_scenario import read_observed

    table = ROOT / "scenarios" / "data" / "typhoons" / "observed_calibration.csv"
    rec = read_observed(table, "chan-hom-2015")["trees_down"]
    assert (rec["value"], rec["bound"]) == (3000, "at_least")


def test_an_unknown_qualifier_is_refused_by_file_field_and_expected(tmp_path):
    from sim.interfaces.storm_scenario import StormScenarioError, read_observed

    path = _impacts(tmp_path, ["s1,trees_down,3000,about,outlet,d,u"])
    with pytest.raises(StormScenarioError) as err:
        read_observed(path, "s1")
    msg = str(err.value)
    assert str(path) in msg and "'about'" in msg and "trees_down" in msg and "'>'" in msg


def test_ensemble_inside_for_bounds_and_exact_figures():
    import pandas as pd

    from sim.results.ensemble import outcome_stats
    from sim.scenario.schema import ObservedOutcome

    # 20 replications 3,100 .. 4,050: p5 = 3,147.5, p95 = 4,002.5 (linear, h = 1 + 19 p)
    table = pd.DataFrame({"trees_down": 3100 + 50 * np.arange(20)})

    def inside(**rec) -> bool:
        obs = ObservedOutcome(source="s", **rec)
        return outcome_stats(table, ["trees_down"], {"trees_down": obs})["trees_down"]["inside"]

    assert not inside(value=3000)  # read as exactly 3,000: below the interval
    assert inside(value=3000, bound="at_least")  # "3,000 余": the interval reaches above it
    assert inside(value=4002.5, bound="at_least") and not inside(value=4003, bound="at_least")
    assert inside(value=3147.5, bound="at_most") and not inside(value=3147, bound="at_most")
    s = outcome_stats(table, ["trees_down"], {"trees_down": ObservedOutcome(
        value=3000, bound="at_least", source="s")})["trees_down"]  # fmt: skip
    assert s["observed"] == {"value": 3000.0, "bound": "at_least"}


def test_bounds_read_as_bounds_in_the_console_report_and_ensemble(tmp_path, monkeypatch):
    import io

    import pandas as pd
    from rich.console import Console

    from sim.results.ensemble import outcome_stats, print_ensemble
    from sim.results.ensemble_report import _table, draw_ensemble_figure
    from sim.results.html_report import outcome_rows
    from sim.results.report import print_summary

    scen = load_scenario(
        EXAMPLE,
        [
            "observed.trees_down.value=3000",
            "observed.trees_down.source=hand",
            "observed.trees_down.bound=at_least",
            "observed.deaths.value=4",
            "observed.deaths.source=hand",
        ],
    )
    assert scen.observed["trees_down"].bound == "at_least"
    assert scen.observed["deaths"].bound == "exact"
    dumped = scen.model_dump(mode="json")["observed"]
    assert dumped["trees_down"]["bound"] == "at_least" and "bound" not in dumped["deaths"]
    summary = {"trees_down": 3300, "deaths": 2}
    console = Console(file=io.StringIO(), width=200)
    print_summary(console, summary, scen)
    out = console.file.getvalue()
    [row] = [ln for ln in out.splitlines() if "trees_down " in ln and "3,300" in ln]
    assert ">= 3,000" in row and "<= 1.10" in row  # sim/obs: 3,300 / (3,000 or more)
    [row] = [ln for ln in out.splitlines() if "│ deaths " in ln]
    assert " 4 " in row and "0.50" in row and ">=" not in row  # exact, as before
    assert "trees_down = >= 3,000 count: hand" in out
    rows = {r[0]: r for r in outcome_rows(summary, scen)}
    assert rows["trees_down"][3:] == (">= 3,000", "<= 1.10")
    table = pd.DataFrame({"trees_down": 3100 + 50 * np.arange(20), "deaths": [0] * 20})
    stats = outcome_stats(table, list(table.columns), scen.observed)
    console = Console(file=io.StringIO(), width=200)
    print_ensemble(console, stats, scen, len(table))
    out = console.file.getvalue()
    [row] = [ln for ln in out.splitlines() if "│ trees_down " in ln]  # the table's row
    assert ">= 3,000" in row and row.rstrip(" │").endswith("yes")
    assert "trees_down = >= 3,000 count: hand" in out  # its source, as the single run prints
    assert "1 of 2 observed figures inside" in out  # deaths 4 is outside [0, 0]
    assert ">&gt;= 3,000<" in _table(stats, ["trees_down"], type(scen).OUTCOME_UNITS)
    captured = {}
    monkeypatch.setattr("sim.results.figures.save", lambda fig, path: captured.setdefault("f", fig))
    draw_ensemble_figure(table, stats, scen, tmp_path / "x.png")
    titles = [ax.get_title() for ax in captured["f"].axes if ax.get_visible()]
    assert "Trees down (count): observed >= 3,000, inside" in titles


# ------------------------------------------------------ 3. a CJK font for Chinese names


def _dejavu():
    from types import SimpleNamespace

    from matplotlib import font_manager

    path = font_manager.findfont("DejaVu Sans", fallback_to_default=False)
    return SimpleNamespace(name="DejaVu Sans", fname=path)


def _fake_cjk(monkeypatch, tmp_path):
    """A font entry that 'renders' CJK: its file is made up, so the charmap read is
    monkeypatched for it alone (no CJK font is installed on the test machine)."""
    from types import SimpleNamespace

    import sim.core.fonts as fonts

    fake = SimpleNamespace(name="Noto Sans CJK SC", fname=str(tmp_path / "NotoSansCJK.ttc"))
    real = fonts._renders
    monkeypatch.setattr(fonts, "_renders", lambda p, t: p == fake.fname or real(p, t))
    return fake


@pytest.fixture
def font_list(monkeypatch):
    """matplotlib's font list, replaced by the test (the CJK search cache cleared around)."""
    from matplotlib import font_manager

    import sim.core.fonts as fonts

    fonts._installed_cjk_fonts.cache_clear()
    yield lambda entries: monkeypatch.setattr(font_manager.fontManager, "ttflist", entries)
    fonts._installed_cjk_fonts.cache_clear()


def test_the_charmap_decides_what_a_font_renders():
    from sim.core.fonts import _renders, cjk_fonts

    dejavu = _dejavu()
    assert _renders(dejavu.fname, "Ab") and not _renders(dejavu.fname, "浦东")
    assert cjk_fonts([dejavu], probe="Ab") == ["DejaVu Sans"]
    assert cjk_fonts([dejavu]) == []


def test_doctor_warns_without_a_cjk_font_and_names_the_package(font_list):
    from sim.interfaces.cli.doctor import check_cjk_font

    font_list([_dejavu()])
    check = check_cjk_font()
    assert check.status == "WARN" and "浦东" in check.detail
    assert "apt-get install fonts-noto-cjk" in check.detail


def test_doctor_finds_an_installed_cjk_font(font_list, monkeypatch, tmp_path):
    from types import SimpleNamespace

    from sim.interfaces.cli.doctor import check_cjk_font, run_checks

    resort = SimpleNamespace(name="Last Resort High-Efficiency", fname="x")  # boxes: never
    font_list([_dejavu(), resort, _fake_cjk(monkeypatch, tmp_path)])
    check = check_cjk_font()
    assert check.status == "OK" and check.detail.startswith("Noto Sans CJK SC renders 浦东")
    monkeypatch.setattr("sim.interfaces.cli.doctor.check_data_files", lambda s: [])
    assert "CJK font" in [c.what for c in run_checks(Path("x.yaml"))]


def test_figures_fall_back_to_the_cjk_font_after_the_default():
    import matplotlib

    from sim.core.fonts import use_cjk_fallback

    with matplotlib.rc_context({"font.family": ["sans-serif"]}):
        assert use_cjk_fallback([]) is None
        assert matplotlib.rcParams["font.family"] == ["sans-serif"]
        assert use_cjk_fallback(["Noto Sans CJK SC", "WenQuanYi Zen Hei"]) == "Noto Sans CJK SC"
        use_cjk_fallback(["Noto Sans CJK SC"])  # once only
        assert matplotlib.rcParams["font.family"] == ["sans-serif", "Noto Sans CJK SC"]


def test_the_figure_modules_set_the_fallback_when_imported():
    import subprocess
    import sys

    code = (
        "import matplotlib, sim.core.fonts as f\n"
        "f._installed_cjk_fonts = lambda probe: ('Fake CJK',)\n"
        "import sim.results.figures\n"
        "a = list(matplotlib.rcParams['font.family'])\n"
        "matplotlib.rcParams['font.family'] = ['sans-serif']\n"
        "import sim.studies.riskmap.figures\n"
        "print(a, list(matplotlib.rcParams['font.family']))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "['sans-serif', 'Fake CJK'] ['sans-serif', 'Fake CJK']"


# ---------------------------------------- 4. the flood map shows what flooded, not the wall foot


def test_the_flooded_strip_is_as_wide_as_the_exponential_profile_reaches(surge_model):
    """Behind each overflowing segment the water is V/L·exp(−x/L) deep (capped near the wall),
    so it is wet (≥ 1 cm) out to x* = L·ln(V / (L · 1 cm)): the area is length × x*, to one
    cell of the 80-cell normal (100 m), and the water per metre of wall is at most V."""
    surge, coastal = surge_model.hazards.get("storm_surge"), surge_model._coastal
    t_h, L, cell = 14.0, surge.length_m, 8 * surge.length_m / 80
    area, volume = coastal.extent_at(t_h)
    v = surge._series_at(surge.storage, t_h)
    length = surge.segment_length_m
    wet = np.flatnonzero(v / L >= surge.min_depth_m)
    assert wet.size >= 3
    x_star = np.minimum(L * np.log(v[wet] / (L * surge.min_depth_m)), 8 * L)
    np.testing.assert_allclose(area[wet] / length[wet], x_star, atol=cell)
    assert (volume[wet] / length[wet] <= v[wet] * (1 + 1e-9)).all()
    dry = np.setdiff1d(np.arange(v.size), wet)
    assert (area[dry] == 0).all() and (volume[dry] == 0).all()


def test_the_flood_map_colours_the_share_flooded_and_marks_the_overflowing_walls(
    surge_model, monkeypatch, tmp_path
):
    from matplotlib.collections import PatchCollection

    from sim.results.hazard_figures import (
        draw_flood_map,
        flood_notes,
        flood_panels,
        flooded_share_pct,
    )

    model, rec = surge_model, surge_model.hazard_record
    names = list(model.city.districts["name_en"])
    pudong = names.index("Pudong New Area")
    area_km2 = model.city.districts["area_km2"].to_numpy(float)
    share = flooded_share_pct(model)
    # the wall's foot is metres deep, but only a strip of the district is under water
    assert rec.peak_flood_depth_m[pudong] > 1.5
    assert 0 < share[pudong] < 10
    np.testing.assert_allclose(
        share, np.minimum(100 * rec.peak_flooded_area_m2 / (area_km2 * 1e6), 100)
    )
    mean = rec.peak_flood_volume_m3[pudong] / rec.peak_flooded_area_m2[pudong]
    assert 0 < mean < rec.peak_flood_depth_m[pudong]
    panels = flood_panels(model)
    assert panels[0].unit == "% of the district's area under water"
    captured = {}
    monkeypatch.setattr("sim.results.figures.save", lambda fig, path: captured.setdefault("f", fig))
    draw_flood_map(model, panels, tmp_path / "flood_map.png")
    ax = captured["f"].axes[0]
    [coll] = [c for c in ax.collections if isinstance(c, PatchCollection)]
    assert float(np.max(coll.get_array())) == pytest.approx(float(share.max()))
    from sim.results.hazard_figures import OVERFLOWED_LW  # red and this wide (test_cosm17)

    thick = [ln for ln in ax.get_lines() if ln.get_linewidth() == OVERFLOWED_LW]
    assert len(thick) == int((rec.peak_wall_depth_m > 0).sum()) >= 3
    [legend] = captured["f"].legends  # under the maps (tests/test_leftovers17.py), not on one
    texts = [ln.get_text() for ln in legend.get_texts()]
    assert texts == ["defence overflowed", "defence that held"]
    assert "straight" in legend.get_title().get_text()  # not their surveyed course
    notes = flood_notes(model)
    [line] = [n for n in notes if n.startswith("Pudong New Area:")]
    assert f"{rec.peak_flooded_area_m2[pudong] / 1e6:,.1f} km² under water" in line
    assert f"({share[pudong]:.0f} % of the district)" in line and f"{mean:.2f} m" in line
    fig_text = " ".join(t.get_text() for t in captured["f"].texts)
    assert line in fig_text
