"""Issue 19, telecom (branch tel19): operators restore their damaged base-station sites, the
``imported:`` line of a telecom-sites file, and warnings delivered one by one."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from scipy.stats import norm

from sim.core.streams import RandomStreams
from sim.networks.telecom import (
    SITE,
    SITE_RESTORATION_REPORTS,
    fit_restoration,
    restoration_hours,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"


def _model(*overrides: str):
    from sim.models.emergency import CityModel
    from sim.scenario.loader import load_scenario

    return CityModel(load_scenario(EXAMPLE, list(overrides)))


# ---------------------------------------------------------------- restoration times
def test_restoration_hours_are_drawn_reproducibly_from_their_own_stream():
    a = restoration_hours(5, 18.8, 0.35, RandomStreams(11)["operator_repair.telecom"])
    b = restoration_hours(5, 18.8, 0.35, RandomStreams(11)["operator_repair.telecom"])
    z = RandomStreams(11)["operator_repair.telecom"].standard_normal(5)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(a, 18.8 * np.exp(0.35 * z))  # median · exp(beta · z)
    assert not np.allclose(a, restoration_hours(5, 18.8, 0.35, RandomStreams(12)["x"]))
    np.testing.assert_array_equal(restoration_hours(3, 7.0, 0.0, RandomStreams(1)["x"]), 7.0)
    with pytest.raises(ValueError, match="median_h > 0"):
        restoration_hours(1, 0.0, 0.3, RandomStreams(1)["x"])


def test_fit_recovers_a_known_lognormal_and_gives_the_schema_defaults():
    from sim.scenario.schema import NetworksConfig

    # two exact points of a lognormal with median 10 h, beta 0.5: 50 % at 10 h, Φ(1) at 10·e^0.5
    median, beta = fit_restoration([(10.0, 0.5), (10.0 * np.exp(0.5), norm.cdf(1.0))])
    assert median == pytest.approx(10.0) and beta == pytest.approx(0.5)
    median, beta = fit_restoration(SITE_RESTORATION_REPORTS)
    fields = NetworksConfig.model_fields
    assert round(median, 1) == fields["telecom_restoration_median_h"].default == 18.8
    assert round(beta, 2) == fields["telecom_restoration_beta"].default == 0.35
    assert all(r[3] for r in SITE_RESTORATION_REPORTS)  # every point has its source


def _site_with_power(m):
    """(site node, its 10 kV transformer) of a generated site whose transformer works now."""
    tel = m.infra.layers["telecom"]
    dep = next(
        d for d in m.infra.net.dependencies
        if d.dependent_layer == "telecom" and d.supplier_layer == "power"
        and (tel.nodes["asset_type"][d.dependent] == tel.asset_type_code(SITE)).all()
    )  # fmt: skip
    k = next(k for k in range(dep.dependent.size) if m.infra.functional["power"][dep.supplier[k]])
    return int(dep.dependent[k]), int(dep.supplier[k])


def _ctx(m, t_h: float):
    """The model's event log and ledger at model time ``t_h`` (a hand-driven clock)."""
    return SimpleNamespace(time=t_h, events=m.context.events, losses=m.context.losses)


def test_a_damaged_site_returns_after_its_drawn_time():
    m = _model()  # the scenario's seed, default restoration: median 18.8 h, beta 0.35
    infra = m.infra
    site, _ = _site_with_power(m)
    rng = RandomStreams(m.config.seed)["operator_repair.telecom"]
    expected = restoration_hours(1, 18.8, 0.35, rng)[0]
    assert infra.restore_at["telecom"][site] == np.inf
    infra._fail(_ctx(m, 1.0), "telecom", "gust_ms", np.array([site]), np.array([1e9]))
    assert infra.restore_at["telecom"][site] == pytest.approx(1.0 + expected)
    assert not infra.update_functionality(1.0)["telecom"][site]
    t_back = 1.0 + expected
    assert infra.operator_repairs(_ctx(m, t_back - 0.01)) == 0
    assert infra.damaged["telecom"][site]
    assert infra.operator_repairs(_ctx(m, t_back)) == 1
    assert not infra.damaged["telecom"][site] and infra.restore_at["telecom"][site] == np.inf
    assert infra.update_functionality(t_back)["telecom"][site]
    assert infra.operator_repaired == 1
    ev = m.events.to_frame()
    rows = ev[ev["kind"] == "operator_repair"]
    assert list(zip(rows["t_h"], rows["layer"], rows["asset"], strict=True)) == [
        (t_back, "telecom", site)
    ]


def test_a_restored_site_without_power_stays_down_until_power_returns():
    m = _model(
        "networks.telecom_restoration_median_h=5",
        "networks.telecom_restoration_beta=0",
        "networks.base_station_backup_h=3",
    )
    infra = m.infra
    site, feeder = _site_with_power(m)
    infra.damage_nodes(_ctx(m, 0.0), "power", np.array([feeder]), "power_fault")
    infra._fail(_ctx(m, 0.0), "telecom", "gust_ms", np.array([site]), np.array([1e9]))
    assert infra.restore_at["telecom"][site] == 5.0  # beta 0: exactly the median
    assert infra.operator_repairs(_ctx(m, 5.0)) == 1
    func = infra.update_functionality(5.0)
    assert not func["power"][feeder]
    assert not func["telecom"][site]  # repaired, but 5 h without power > 3 h of battery
    infra.repair_node("power", feeder)
    func = infra.update_functionality(6.0)
    assert func["power"][feeder] and func["telecom"][site]


def test_in_a_run_each_wind_damaged_site_is_restored_after_the_median_with_beta_zero():
    m = _model("networks.telecom_restoration_median_h=5", "networks.telecom_restoration_beta=0")
    while m.time < m.config.time.duration_h:
        m.advance(m.time + 1.0)
    m.finish()
    ev = m.events.to_frame()
    hit = ev[(ev["kind"] == "damage") & (ev["layer"] == "telecom")]
    back = ev[ev["kind"] == "operator_repair"]
    damage = sorted(zip(hit["t_h"], hit["asset"], strict=True))
    repairs = sorted(zip(back["t_h"], back["asset"], strict=True))
    assert damage, "the example storm damages sites"
    step = m.config.time.physics_step_h
    horizon = m.config.time.duration_h
    due = [(t + 5.0, a) for t, a in damage if t + 5.0 <= horizon - step]
    # restored at the first physics update at or after failure + 5 h
    assert [(np.ceil((t - 1e-9) / step) * step, a) for t, a in due] == repairs[: len(due)]
    assert not m.infra.damaged["telecom"][[a for _, a in due]].any()


# ---------------------------------------------------------------- the imported: line
SITES = (
    "site_id,lon,lat,base_stations,backup_h\n"
    "OH-1,117.9827,22.4246,3,4\n"
    "OH-2,117.9830,22.4250,2,\n"
    "RS-1,118.0373,22.4193,5,0\n"
)


def test_a_telecom_sites_file_prints_an_imported_line_per_district_and_logs_it(tmp_path):
    import pandas as pd
    from typer.testing import CliRunner

    from sim.interfaces.cli.main import app

    f = tmp_path / "sites.csv"
    f.write_text(SITES, encoding="utf-8")
    m = _model()  # the generated sites the file replaces
    tel = m.infra.layers["telecom"]
    site = tel.nodes["asset_type"] == tel.asset_type_code(SITE)
    generated = [int((site & (tel.nodes["district"] == d)).sum()) for d in (0, 1)]
    stations = [
        int(tel.nodes["base_stations"][site & (tel.nodes["district"] == d)].sum()) for d in (0, 1)
    ]
    names = list(m.city.districts["name_en"][:2])
    out = tmp_path / "run"
    args = ["run", str(EXAMPLE), "--out", str(out), "-p", "time.duration_h=1", "-p",
            f"networks.telecom_sites_file={f}", "--no-figures", "-q"]  # fmt: skip
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    lines = [x for x in res.output.splitlines() if x.startswith("imported: ")]
    # 5 listed stations against the generated ones: a warning that the district now rests on them
    warn = [
        f" - 5 base stations listed replace {n:,} generated from the city's statistic "
        f"({5 / n - 1:+.1%}): every household of the district is served by the listed sites "
        "only; list all of the district's sites, or none"
        for n in stations
    ]
    assert all(n > 10 for n in stations)  # the example city's districts hold many more
    assert lines == [
        f"imported: sites.csv: telecom layer, district {names[0]}: 2 sites imported "
        f"(5 base stations), replacing {generated[0]:,} generated ({stations[0]:,} base "
        f"stations); 1 warning(s){warn[0]}",
        f"imported: sites.csv: telecom layer, district {names[1]}: 1 site imported "
        f"(5 base stations), replacing {generated[1]:,} generated ({stations[1]:,} base "
        f"stations); 1 warning(s){warn[1]}",
    ]
    ev = pd.read_parquet(out / "events.parquet")
    logged = ev[ev["kind"] == "network_import"]
    assert logged["layer"].tolist() == ["telecom", "telecom"]
    assert [f"imported: {t}" for t in logged["detail"]] == lines


# ---------------------------------------------------------------- each warning delivered
def test_a_warning_of_the_peak_colour_issued_during_an_outage_is_missed_there():
    from sim.agents.warning_reach import WarningReach, channel_availability

    reach = WarningReach([0.6, 0.25, 0.15], np.array([10.0, 30.0, 60.0]))
    up = channel_availability(np.ones(3, bool), np.ones(3, bool))
    phones_down_at_2 = channel_availability(np.array([True, True, False]), np.ones(3, bool))
    reach.update(3, 3, up, [("typhoon", 3)])  # typhoon orange reaches everybody
    assert reach.reach_share() == 1.0
    reach.update(3, 3, phones_down_at_2, [("rainstorm", 3)])  # rainstorm orange, sites down
    # SMS households (0.6) of place 2 (60 of 100 households) missed the rainstorm orange
    assert reach.reach_share() == pytest.approx(1.0 - 0.6 * 0.6)
    reach.update(3, 3, up)  # sites back while it is in force: delivered late, but delivered
    assert reach.reach_share() == 1.0
    reach.update(3, 3, phones_down_at_2, [("rainstorm", 3)])  # re-issued: a new message
    reach.update(0, 0, phones_down_at_2, [("typhoon", 0), ("rainstorm", 0)])  # both lifted
    assert reach.reach_share() == pytest.approx(1.0 - 0.6 * 0.6)
    reach.update(4, 4, phones_down_at_2, [("typhoon", 4)])  # a higher colour starts afresh
    assert reach.reach_share() == pytest.approx(1.0 - 0.6 * 0.6)
    reach.update(4, 4, up)
    assert reach.reach_share() == 1.0


def _example_with(tmp_path, extra: str) -> Path:
    """The example typhoon with its scripted warnings and ``extra`` event lines."""
    import re

    text = EXAMPLE.read_text(encoding="utf-8")
    events = re.search(r"^events:\n(?:  .*\n|    .*\n)+", text, re.M).group(0)
    scen = tmp_path / "typhoon.yaml"
    scen.write_text(f"extends: {EXAMPLE}\n{events}{extra}", encoding="utf-8")
    return scen


def test_a_rainstorm_red_issued_while_sites_are_down_lowers_the_reach_in_a_run(tmp_path):
    from sim.models.emergency import CityModel
    from sim.scenario.loader import load_scenario

    def reach(extra: str) -> float:
        m = CityModel(load_scenario(_example_with(tmp_path, extra), []))
        while m.time < m.config.time.duration_h:
            m.advance(m.time + 1.0)
        return m.warning_reach_share

    base = reach("")
    # the example storm takes sites down from hour 14 (2030-08-02T14:00Z); a rainstorm red at
    # 17:00 is a second warning of the peak colour, missed by SMS households whose site is down
    later = reach(
        "  - {type: warning, at_utc: 2030-08-02T17:00:00Z, hazard: rainstorm, level: red,\n"
        "     source: test}\n"
        "  - {type: warning, at_utc: 2030-08-03T06:00:00Z, hazard: rainstorm, level: none,\n"
        "     source: test}\n"
    )
    # 0.9692 -> 0.9622 at the scenario's seed; with one warning per colour both were equal
    assert later < base - 0.005


# ---------------------------------------------------------------- the experiment
def test_the_experiment_has_the_stronger_wind_lekima_variant_at_bebincas_ratio():
    from sim.studies.sweep.spec import load_spec

    spec = load_spec(ROOT / "experiments" / "telecom-backup.yaml")
    refs = {s.label: s for s in spec.scenarios}
    assert set(refs) == {"lekima", "lekima-bebinca-wind", "example-city"}
    assert refs["lekima"].fixed == {} and refs["example-city"].fixed == {}
    # Bebinca 42 m/s at its Shanghai landfall / Lekima 28 m/s passing Shanghai (the spec's header)
    assert refs["lekima-bebinca-wind"].fixed == {"hazard.typhoon.wind_scale": 42.0 / 28.0}
