"""What the launcher hands the solara page: scenario path, overrides and trainer token.

The server process reads them from environment variables (solara imports the page module by
name, so arguments cannot be passed directly); :func:`load_app_scenario` caches the validated
scenario per process, and every browser session takes a deep copy of it (policy injects may
change a session's configuration; the copy keeps sessions apart).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sim.city import load_city
from sim.scenario import load_scenario

ENV_SCENARIO = "CITYSAFE_APP_SCENARIO"
ENV_OVERRIDES = "CITYSAFE_APP_OVERRIDES"
ENV_TOKEN = "CITYSAFE_APP_TOKEN"
ENV_JOURNAL_DIR = "CITYSAFE_APP_JOURNAL_DIR"
ENV_CITY_STATE = "CITYSAFE_APP_CITY_STATE"


@dataclass(frozen=True)
class AppSettings:
    """Settings of one app server.

    Attributes:
        scenario_path: scenario YAML file.
        overrides: ``a.b=value`` overrides, as for ``citysafe run -p``.
        token: trainer token, or None when the local user is the trainer (no ``--share``).
        journal_dir: folder where "save journal on the server" writes.
        city_state_path: ``city_state.json`` of a long run's shock the exercise starts from
            (``citysafe app RUN/shocks/NAME``), or None.
    """

    scenario_path: Path
    overrides: tuple[str, ...] = ()
    token: str | None = None
    journal_dir: Path = Path("runs/journals")
    city_state_path: Path | None = None

    def to_env(self) -> dict[str, str]:
        """Environment variables that carry these settings to the server process."""
        env = {
            ENV_SCENARIO: str(self.scenario_path),
            ENV_OVERRIDES: json.dumps(list(self.overrides)),
            ENV_JOURNAL_DIR: str(self.journal_dir),
            ENV_CITY_STATE: "" if self.city_state_path is None else str(self.city_state_path),
        }
        env[ENV_TOKEN] = self.token or ""
        return env

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> AppSettings:
        """Read the settings the launcher set.

        Raises:
            RuntimeError: no scenario given (the page was started without ``citysafe app``).
        """
        env = os.environ if environ is None else environ
        path = env.get(ENV_SCENARIO, "")
        if not path:
            raise RuntimeError(f"{ENV_SCENARIO} is not set: start the app with `citysafe app`")
        return cls(
            scenario_path=Path(path),
            overrides=tuple(json.loads(env.get(ENV_OVERRIDES, "[]") or "[]")),
            token=env.get(ENV_TOKEN) or None,
            journal_dir=Path(env.get(ENV_JOURNAL_DIR) or "runs/journals"),
            city_state_path=Path(env[ENV_CITY_STATE]) if env.get(ENV_CITY_STATE) else None,
        )


@lru_cache(maxsize=4)
def load_app_scenario(path: str, overrides: tuple[str, ...]):
    """The validated scenario (cached per process; callers must copy before mutating).

    Raises:
        sim.scenario.ScenarioError: the file or an override is invalid.
    """
    return load_scenario(Path(path), list(overrides))


@lru_cache(maxsize=4)
def load_app_city(data_dir: str):
    """The city of a scenario (district polygons for the map), cached per process."""
    return load_city(Path(data_dir))


@lru_cache(maxsize=4)
def load_app_city_state(path: str | None):
    """The :class:`~sim.risk.city_state.CityState` of a shock's ``city_state.json`` (cached
    per process; immutable), or None without one.

    Raises:
        sim.results.shocks.ShockFolderError: the shock folder is incomplete or unreadable.
    """
    if not path:
        return None
    from sim.results.shocks import read_shock

    return read_shock(Path(path).parent)[1]
