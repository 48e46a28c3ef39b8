"""Issue 19, telecom: the telecom layer, warnings through channels, dispatch delay, site CSV,
the telecom-backup experiment (tests of branch telecom19)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.agents.households import ProtectiveAction
from sim.agents.warning_reach import CHANNELS, WarningReach, channel_availability
from sim.networks.cascade import CascadeEngine
from sim.networks.multilayer import Layer, MultilayerNetwork
from sim.networks.spec import LAYER_ASSET_TYPES, NetworkSpec
from sim.networks.telecom import district_base_stations, telecom_dependencies
from sim.networks.telecom_sites import TelecomSitesError, read_telecom_sites
from sim.scenario.schema import BehaviourConfig

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"
EXAMPLE_DATA = ROOT / "scenarios" / "data" / "example-city"


# ---------------------------------------------------------------- the layer and its backup
def _two_layers(backup_h: float) -> MultilayerNetwork:
    """Power: 220 kV source - 110 kV substation - 10 kV transformer; telecom: a backbone
    node (source) and one site, all in district 0; the site on the transformer."""
    power = Layer(
        "power",
        {"x_m": np.array([0.0, 1.0, 2.0]), "y_m": np.zeros(3), "district": np.zeros(3, int),
         "asset_type": np.array([0, 1, 2]), "is_source": np.array([True, False, False])},
        {"u": np.array([0, 1]), "v": np.array([1, 2])},
        LAYER_ASSET_TYPES["power"],
    )  # fmt: skip
    telecom = Layer(
        "telecom",
        {"x_m": np.array([1.0, 2.0]), "y_m": np.zeros(2), "district": np.zeros(2, int),
         "asset_type": np.array([0, 1]), "is_source": np.array([True, False]),
         "base_stations": np.array([0.0, 40.0]), "customers_households": np.array([0.0, 9.0])},
        {"u": np.array([0]), "v": np.array([1])},
        LAYER_ASSET_TYPES["telecom"],
    )  # fmt: skip
    spec = NetworkSpec.for_city(_stats(), base_station_backup_h=backup_h)
    deps = telecom_dependencies(telecom, power, spec)
    return MultilayerNetwork({"power": power, "telecom": telecom}, deps)


def _stats() -> dict[str, float]:
    from sim.city import load_city

    return load_city(EXAMPLE_DATA).profile.network_statistics


@pytest.mark.parametrize("backup_h", [0.0, 2.0, 8.0])
def test_site_fails_exactly_when_its_power_outage_reaches_its_backup(backup_h):
    net = _two_layers(backup_h)
    engine = CascadeEngine(net)
    damaged = {"power": np.array([False, False, True]), "telecom": np.zeros(2, bool)}
    t0 = 5.0
    engine.update({"power": np.zeros(3, bool)}, 0.0)
    f = engine.update(damaged, t0)  # the transformer fails at t0: the site is on battery
    assert f["telecom"][1] == (backup_h > 0)
    if backup_h > 0:
        assert engine.update(damaged, t0 + backup_h - 1e-6)["telecom"][1]
    f = engine.update(damaged, t0 + backup_h + 1e-6)
    assert not f["telecom"][1]
    assert f["telecom"][0]  # the backbone node's substation still works


def test_base_stations_follow_population_and_sum_to_the_statistic():
    spec = NetworkSpec.for_city({**_stats(), "telecom_base_stations": 1000})
    pop = np.array([3.0, 1.0]) * spec.statistics_population / 4
    got = district_base_stations(spec, pop)
    assert got.tolist() == [750, 250]
    generic = NetworkSpec.for_city(_stats())  # no count given: national density
    total = district_base_stations(generic, np.array([generic.statistics_population])).sum()
    assert total == round(generic.statistics_population / 121.0)


# ---------------------------------------------------------------- warnings through channels
def test_reach_is_one_when_every_network_is_up():
    reach = WarningReach([0.6, 0.25, 0.15], np.array([10.0, 30.0, 60.0]))
    reach.update(2, 3, channel_availability(np.ones(3, bool), np.ones(3, bool)))
    assert reach.reach_share() == 1.0
    assert reach.current_share(2) == 1.0
    assert (reach.received(np.array([0, 2]), 2) == 2).all()


def test_reach_counts_only_channels_that_worked_for_the_highest_colour():
    reach = WarningReach([0.6, 0.25, 0.15], np.array([10.0, 30.0, 60.0]))
    up = channel_availability(np.ones(3, bool), np.ones(3, bool))
    reach.update(1, 2, up)  # yellow reached everybody
    telecom_down_at_2 = channel_availability(np.array([True, True, False]), np.ones(3, bool))
    reach.update(3, 4, telecom_down_at_2)  # red: phones down at place 2 (60 of 100 households)
    # missed: the SMS share (0.6) of place 2's 60 households = 36 of 100
    assert reach.reach_share() == pytest.approx(1.0 - 0.6 * 0.6)
    got = reach.received(np.array([2]), 3)[:, 0]
    assert got.tolist() == [1, 3, 3]  # SMS households at place 2 still act on the yellow level
    reach.update(0, 0, telecom_down_at_2)  # lifted: everybody back to none
    assert (reach.heard == 0).all()


def test_households_unreached_never_relocate_on_that_warning():
    pa = ProtectiveAction(BehaviourConfig())
    one = np.ones(2)
    p = pa.probability(one > 0, np.array([0, 3]), np.zeros(2, int), one > 0, one * 5.0)
    assert p[0] == 0.0 and p[1] > 0.5


def test_run_with_every_site_down_and_sms_only_reaches_and_relocates_nobody():
    from sim.models.emergency import CityModel
    from sim.scenario.loader import load_scenario

    base = load_scenario(EXAMPLE, [])
    sms_only = load_scenario(
        EXAMPLE,
        ["warnings.channels.cell_broadcast_sms=1.0", "warnings.channels.tv_radio=0.0",
         "warnings.channels.neighbourhood_committee=0.0"],
    )  # fmt: skip
    models = []
    for cfg, cut in ((base, False), (sms_only, False), (sms_only, True)):
        m = CityModel(cfg)
        if cut:  # every site's mast down before the storm: no SMS anywhere
            m.infra.damaged["telecom"][:] = True
            m.infra.update_functionality(0.0)
        m.run()
        models.append(m)
    whole, sms_up, sms_down = models
    assert sms_down.warning_reach_share == 0.0
    assert sms_down.people_relocated == 0.0  # nobody received a warning: nobody moved
    assert sms_up.people_relocated > 0.0
    assert 0.0 < whole.warning_reach_share <= 1.0


# ---------------------------------------------------------------- dispatch coordination
def test_coordination_delay_is_added_to_every_set_out_of_the_district():
    from sim.response.dispatch import Dispatcher

    disp = Dispatcher.__new__(Dispatcher)  # only the delay bookkeeping is exercised
    with pytest.raises(Exception, match="non-negative"):
        Dispatcher.set_coordination_delay(disp, np.array([-1.0]))
    Dispatcher.set_coordination_delay(disp, np.array([0.0, 0.75]))
    assert disp.coordination_delay_h.tolist() == [0.0, 0.75]


def test_telecom_outage_delays_response_in_the_example_city():
    from sim.models.emergency import CityModel
    from sim.scenario.loader import load_scenario

    times = []
    for delay in (0.0, 4.0):
        # No batteries: the sites are down while the incidents are dispatched. With the feeder
        # switching restoring most sites' power within 1 h, 3-h batteries leave too few sites
        # down for the delay to outweigh the queue's reordering (sim/networks/protection.py).
        over = [f"logistics.telecom_outage_delay_h={delay}", "networks.base_station_backup_h=0"]
        m = CityModel(load_scenario(EXAMPLE, over))
        m.run()
        times.append(np.mean(m.service.response_times_h()))
        assert m.telecom_sites_down > 0  # the example storm takes sites down
    assert times[1] > times[0]


# ---------------------------------------------------------------- telecom sites as CSV
def _city():
    from sim.city import load_city

    return load_city(EXAMPLE_DATA)


GOOD = (
    "site_id,lon,lat,base_stations,backup_h\n"
    "OH-1,117.9827,22.4246,3,4\n"
    "OH-2,117.9830,22.4250,2,\n"
    "RS-1,118.0373,22.4193,5,0\n"
)


def test_site_csv_is_read_and_placed(tmp_path):
    f = tmp_path / "sites.csv"
    f.write_text(GOOD, encoding="utf-8")
    sites = read_telecom_sites(f, _city())
    assert sites.district.tolist() == [0, 0, 1]
    assert sites.base_stations.tolist() == [3, 2, 5]
    assert sites.backup_h[0] == 4.0 and np.isnan(sites.backup_h[1]) and sites.backup_h[2] == 0


@pytest.mark.parametrize(
    "text, line, field, expected",
    [
        (GOOD.replace("OH-2,117.9830", "OH-1,117.9830"), 3, "site_id", "already on line 2"),
        (GOOD.replace(",3,4", ",three,4"), 2, "base_stations", "whole number"),
        (GOOD.replace(",3,4", ",2.5,4"), 2, "base_stations", "whole number"),
        (GOOD.replace(",5,0", ",5,300"), 4, "backup_h", "from 0 to 240"),
        (
            GOOD.replace("118.0373,22.4193", "120.0,22.4193"),
            4,
            "lon, lat",
            "outside every district",
        ),
        (GOOD.replace("22.4246", "nan"), 2, "lat", "number from -90 to 90"),
    ],
)
def test_site_csv_bad_cells_name_file_line_and_column(tmp_path, text, line, field, expected):
    f = tmp_path / "sites.csv"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(TelecomSitesError, match=expected) as err:
        read_telecom_sites(f, _city())
    assert err.value.line_no == line and err.value.field == field
    assert str(err.value).startswith(f"{f}: line {line}, column {field}: ")


def test_site_csv_without_a_required_column_says_the_header(tmp_path):
    f = tmp_path / "sites.csv"
    f.write_text("site_id,lon,lat\nA,117.98,22.42\n", encoding="utf-8")
    with pytest.raises(TelecomSitesError, match=r"missing column\(s\) \['base_stations'\]"):
        read_telecom_sites(f, _city())


def test_site_csv_replaces_a_districts_sites_and_validate_reports_bad_ones(tmp_path):
    from sim.models.data_check import check_data
    from sim.models.emergency import CityModel
    from sim.scenario.loader import load_scenario

    f = tmp_path / "sites.csv"
    f.write_text(GOOD, encoding="utf-8")
    m = CityModel(load_scenario(EXAMPLE, [f"networks.telecom_sites_file={f}"]))
    tel = m.infra.layers["telecom"]
    site = tel.nodes["asset_type"] == tel.asset_type_code("telecom_base_station_site")
    in0 = site & (tel.nodes["district"] == 0)
    assert tel.nodes["base_stations"][in0].tolist() == [3, 2]
    assert tel.nodes["customers_households"][in0].sum() == round(m.city.districts.households[0])
    dep = [d for d in m.infra.net.dependencies if d.dependent_layer == "telecom"]
    buffers = {int(i): b for d in dep for i, b in zip(d.dependent, d.buffer_h, strict=True)}
    listed = np.flatnonzero(in0 | (site & (tel.nodes["district"] == 1)))
    assert [buffers[int(i)] for i in listed] == [4.0, 3.0, 0.0]  # blank: the scenario's 3 h
    f.write_text(GOOD.replace(",5,0", ",5,-1"), encoding="utf-8")
    bad = load_scenario(EXAMPLE, [f"networks.telecom_sites_file={f}"])
    problems = check_data(bad, str(EXAMPLE))
    assert any(p.field == "networks.telecom_sites_file" and "line 4" in p.message for p in problems)


# ---------------------------------------------------------------- the experiment
def test_telecom_backup_experiment_spec_validates():
    from sim.studies.sweep.spec import load_spec

    spec = load_spec(ROOT / "experiments" / "telecom-backup.yaml")
    assert "warning_reach_share" in spec.outputs and "people_relocated" in spec.outputs
    levels = spec.space.parameters["networks.base_station_backup_h"].levels
    assert sorted(levels) == [0.0, 2.0, 8.0]


def test_summary_has_the_telecom_keys():
    from sim.results.summary import SUMMARY_KEYS

    assert {"telecom_sites_down", "warning_reach_share"} <= set(SUMMARY_KEYS)
    assert CHANNELS == ("cell_broadcast_sms", "tv_radio", "neighbourhood_committee")
