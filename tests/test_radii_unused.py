"""Notes a user needs: another storm's wind-radii file is not used silently (validate warns,
naming the file), and a storm surge says what its casualties count."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from sim.interfaces.cli.main import app

TYPHOONS = Path(__file__).parents[1] / "scenarios" / "data" / "typhoons"


def _new(tmp_path: Path, radii: str) -> Path:
    out = tmp_path / f"{radii}.yaml"
    track, table = TYPHOONS / "maysak-2020_track.csv", TYPHOONS / f"{radii}_jma_wind_radii.csv"
    args = ["storm", "new", "--track", str(track), "--agency", "CMA", "--radii", str(table)]
    args += ["--out", str(out)]
    assert CliRunner().invoke(app, args).exit_code == 0
    return out


def test_radii_of_another_storm_are_warned_of_and_its_own_are_not(tmp_path):
    res = CliRunner().invoke(app, ["validate", str(_new(tmp_path, "chan-hom-2015"))])
    assert res.exit_code == 0 and "OK" in res.output
    assert "chan-hom-2015_jma_wind_radii.csv: no radii time" in res.output
    assert "the radii are not used" in res.output
    own = CliRunner().invoke(app, ["validate", str(_new(tmp_path, "maysak-2020"))])
    assert own.exit_code == 0 and "no radii time" not in own.output


def test_a_storm_surge_run_says_its_flood_injuries_are_not_modelled():
    from sim.results.report import outcome_notes
    from sim.scenario import load_scenario

    surge = load_scenario(TYPHOONS.parents[1] / "shanghai" / "storm-surge.yaml")
    notes = outcome_notes({"deaths": 2362, "injuries": 0}, surge)
    assert any("injuries from the flood water are not modelled" in n for n in notes)
    lekima = load_scenario(TYPHOONS.parents[1] / "shanghai" / "lekima-2019.yaml")
    assert not any("flood water" in n for n in outcome_notes({}, lekima))
