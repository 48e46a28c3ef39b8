"""Behaviour coefficients drawn from a calibrated posterior (sim.city.behaviour_posterior):
the file's checks, the draw, a run with a one-particle posterior equal to a run with those
coefficients set, and ensembles that draw by default where the city ships a posterior."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.city.behaviour_posterior import load_posterior
from sim.city.errors import CityDataError
from sim.interfaces.cli.behaviour import POSTERIOR_DRAW, behaviour_draws
from sim.models.emergency import CityModel
from sim.scenario import load_scenario

EXAMPLE = Path(__file__).parents[1] / "scenarios" / "example-city" / "typhoon.yaml"
SHANGHAI = Path(__file__).parents[1] / "scenarios" / "shanghai" / "lekima-2019.yaml"
KNOWN = ("intercept", "official_order", "per_response_level", "exposure", "experience")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "posterior.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_weights_are_normalised_and_a_zero_weight_particle_is_never_drawn(tmp_path):
    path = _write(tmp_path, "# source: test\nintercept,exposure,weight\n-9,0.5,0\n-3,1.5,3\n")
    post = load_posterior(path, KNOWN)
    assert post.names == ("intercept", "exposure")
    np.testing.assert_allclose(post.weights, [0.0, 1.0])
    rng = np.random.default_rng(1)
    assert all(post.draw(rng) == {"intercept": -3.0, "exposure": 1.5} for _ in range(20))


def test_draw_frequencies_follow_the_weights(tmp_path):
    path = _write(tmp_path, "intercept,weight\n1,1\n2,3\n")
    post = load_posterior(path, KNOWN)
    rng = np.random.default_rng(7)
    share = np.mean([post.draw(rng)["intercept"] == 2.0 for _ in range(4000)])
    assert share == pytest.approx(0.75, abs=0.03)  # 4 sd of a binomial share at n = 4000


@pytest.mark.parametrize(
    "text, message",
    [
        ("intercept,colour,weight\n1,2,1\n", r"unknown columns \['colour'\]"),
        ("intercept,exposure\n1,2\n", "expected a 'weight' column"),
        ("weight\n1\n", "at least one coefficient"),
        ("intercept,weight\n", "no particles"),
        ("# c\nintercept,weight\n1,1\nabc,1\n", r"line 4, column 'intercept': expected a fin"),
        ("intercept,weight\n1,-1\n2,2\n", "weights >= 0"),
        ("intercept,weight\n1,0\n", "positive sum"),
    ],
)
def test_a_bad_file_names_the_file_and_what_was_expected(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(CityDataError, match=message) as err:
        load_posterior(path, KNOWN)
    assert str(path) in str(err.value)


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CityDataError, match="file not found"):
        load_posterior(tmp_path / "none.csv", KNOWN)


def _relocated(overrides: list[str]) -> tuple[float, CityModel]:
    model = CityModel(load_scenario(EXAMPLE, ["seed=5", "time.duration_h=48", *overrides]))
    model.run()
    return model.people_relocated, model


def test_a_one_particle_posterior_gives_the_run_with_those_coefficients(tmp_path):
    path = _write(tmp_path, "intercept,official_order,weight\n-2.5,4.0,1\n")
    b = "response.relocation.behaviour"
    drawn, model = _relocated(
        [f"{b}.posterior_draw=true", f"{b}.posterior_file={path}"]
    )  # fmt: skip
    direct, _ = _relocated([f"{b}.intercept=-2.5", f"{b}.official_order=4.0"])
    default, _ = _relocated([])
    assert drawn > 0 and drawn == direct  # its own stream: every other draw is unchanged
    assert drawn != default  # and the coefficients did change the run
    assert model.behaviour_drawn == {"intercept": -2.5, "official_order": 4.0}
    events = model.events.to_frame()
    assert list(events.loc[events.kind == "behaviour_draw", "detail"]) == [
        "intercept=-2.500, official_order=4.000"
    ]


def test_a_particle_out_of_range_is_refused(tmp_path):
    path = _write(tmp_path, "official_order,weight\n-1,1\n")
    b = "response.relocation.behaviour"
    with pytest.raises(CityDataError, match="out of range"):
        CityModel(
            load_scenario(EXAMPLE, [f"{b}.posterior_draw=true", f"{b}.posterior_file={path}"])
        )


def test_ensembles_draw_where_the_city_ships_a_posterior():
    shanghai = load_scenario(SHANGHAI)
    on = f"{POSTERIOR_DRAW}=true"
    assert behaviour_draws(shanghai, [], False)[:2] == ([on], True)
    assert behaviour_draws(shanghai, [], True)[:2] == ([], False)  # --fixed-behaviour
    mine = [f"{POSTERIOR_DRAW}=false"]  # the user's choice stands
    assert behaviour_draws(load_scenario(SHANGHAI, mine), mine, False)[:2] == (mine, False)
    mine = [f"{POSTERIOR_DRAW}=True"]
    assert behaviour_draws(load_scenario(SHANGHAI, mine), mine, False)[:2] == (mine, True)
    example = load_scenario(EXAMPLE)  # no posterior in the example city: nothing to draw
    overrides, drawn, line = behaviour_draws(example, [], False)
    assert (overrides, drawn) == ([], False) and "no posterior at" in line


def test_coefficients_set_by_the_user_are_not_replaced_by_draws():
    mine = ["response.relocation.behaviour.intercept=-3"]
    overrides, drawn, line = behaviour_draws(load_scenario(SHANGHAI, mine), mine, False)
    assert (overrides, drawn) == (mine, False) and "set: intercept; not drawn" in line
    # asked for both: refused, naming the file and the field, rather than one silently winning
    both = [*mine, f"{POSTERIOR_DRAW}=true"]
    with pytest.raises(CityDataError, match=r"sets \['intercept'\] and posterior_draw"):
        CityModel(load_scenario(SHANGHAI, both))


def test_validate_and_run_refuse_a_damaged_posterior_before_running(tmp_path):
    from typer.testing import CliRunner

    from sim.interfaces.cli.main import app

    bad = _write(tmp_path, "intercept,weight\nnan,1\n")
    b = "response.relocation.behaviour"
    args = ["-p", f"{b}.posterior_draw=true", "-p", f"{b}.posterior_file={bad}"]
    out = ["--out", str(tmp_path / "o")]
    for cmd in (["validate", str(EXAMPLE)], ["run", str(EXAMPLE), "--replications", "2", *out]):
        res = CliRunner().invoke(app, [*cmd, *args])
        assert res.exit_code == 2, res.output
        assert f"{bad}: line 2, column 'intercept': expected a finite number, got 'nan'" in (
            res.output.replace("\n", "")
        )
    assert not (tmp_path / "o").exists()  # nothing started, nothing written


@pytest.mark.parametrize("value", ["nan", "inf", "1e308", "-31"])
def test_a_coefficient_that_is_not_finite_or_beyond_the_bound_is_refused(value):
    from sim.scenario.loader import ScenarioError

    with pytest.raises(ScenarioError, match="intercept"):
        load_scenario(EXAMPLE, [f"response.relocation.behaviour.intercept={value}"])


def test_validate_refuses_a_particle_outside_the_coefficients_bounds(tmp_path):
    """A finite value the schema forbids (order_threshold_scale must exceed 0.25; official_order
    must be >= 0) stops validate with its line and column, not a replication at run time."""
    from typer.testing import CliRunner

    from sim.interfaces.cli.main import app

    bad = _write(tmp_path, "official_order,order_threshold_scale,weight\n2,1,1\n3,0,1\n")
    b = "response.relocation.behaviour"
    args = ["-p", f"{b}.posterior_draw=true", "-p", f"{b}.posterior_file={bad}"]
    res = CliRunner().invoke(app, ["validate", str(EXAMPLE), *args])
    assert res.exit_code == 2, res.output
    text = res.output.replace("\n", "")
    assert f"{bad}: line 3, column 'order_threshold_scale':" in text
    assert "greater than 0.25" in text and "got 0.0" in text
