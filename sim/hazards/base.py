"""The hazard interface: intensity measures at locations over time, and the hazard registry.

A **hazard** (:class:`Hazard`) turns its scenario block into *intensity measures* (IMs) at
points of the city over model time. The model asks every registered hazard of a scenario for
the IMs it needs, at two kinds of place:

* **sample points**: the D·K district sample points (the waterlogging cells and counted
  exposure of :mod:`sim.damage.exposure`), via :meth:`Hazard.at_samples`;
* **asset locations** and road-segment midpoints, via :meth:`Hazard.at`.

An IM is named with its unit (:data:`INTENSITY_MEASURES`): ``gust_ms`` (peak 3-s gust at
10 m, m/s), ``rain_mm_per_h`` (rain rate, mm/h), ``flood_depth_m`` (water depth above local
ground, m), ``pga_g`` (peak ground acceleration, g), ``sustained_ms`` (1-min mean wind, m/s),
``pgv_cm_s`` (peak ground velocity, cm/s).
Fragility curves (:mod:`sim.damage.fragility`) name the IM they take, so damage is looked up
by IM, never by hazard. Contributions of several hazards to one IM at one point combine by the
IM's rule (``sum``: rain from a typhoon and a rainstorm, flood depth from rain ponding and a
storm surge; ``max``: wind).

Each hazard declares its **active window** (:meth:`Hazard.window_h`, model hours): outside it
the hazard contributes nothing and the model may skip its physics. A window of zero length is
an **instant** hazard (an earthquake): the model applies it once, at its start.

**Registry.** :func:`register_hazard` ties a scenario block name (``hazard.<name>`` in YAML;
the block model itself is registered in :mod:`sim.scenario.hazard_blocks`) to a builder
``build(block, context) -> Hazard``. The model builds one hazard per block present in the
scenario, in registration order (:func:`build_hazards`). Modules of this package register
their hazards when imported; :func:`discover` imports them all, so a new hazard module is
picked up without editing any list.
"""

from __future__ import annotations

import importlib
import pkgutil
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class IntensityMeasure:
    """A named intensity measure.

    Attributes:
        name: IM name, its unit in the name (``gust_ms``).
        unit: unit symbol.
        description: what is measured.
        combine: how contributions of several hazards at one point combine: ``"sum"`` or
            ``"max"``.
        stream: suffix of the infrastructure's capacity stream ``capacity.<layer>.<stream>``
            (the names ``wind`` and ``flood`` predate the interface and are kept so that the
            draws of the shipped scenarios do not move).
        theta_field, beta_field: network node fields holding an asset's lognormal fragility
            median (IM units) and dispersion for this IM.
    """

    name: str
    unit: str
    description: str
    combine: str = "sum"
    stream: str = ""
    theta_field: str = ""
    beta_field: str = ""

    def __post_init__(self) -> None:
        if self.combine not in ("sum", "max"):
            raise ValueError(f"IM {self.name!r}: combine must be 'sum' or 'max'")
        # Defaults derived from the name (frozen dataclass: set through object.__setattr__).
        for attr, value in (
            ("stream", self.name),
            ("theta_field", f"{self.name}_theta"),
            ("beta_field", f"{self.name}_beta"),
        ):
            if not getattr(self, attr):
                object.__setattr__(self, attr, value)


INTENSITY_MEASURES: dict[str, IntensityMeasure] = {}
"""Registered intensity measures by name, in registration order (the order in which an
asset's IMs are checked for damage)."""


def register_intensity_measure(im: IntensityMeasure) -> IntensityMeasure:
    """Add an IM to :data:`INTENSITY_MEASURES` (idempotent for an identical IM).

    Raises:
        ValueError: another IM of that name is registered.
    """
    old = INTENSITY_MEASURES.get(im.name)
    if old is not None and old != im:
        raise ValueError(f"intensity measure {im.name!r} is already registered as {old}")
    INTENSITY_MEASURES[im.name] = im
    return im


for _im in (
    IntensityMeasure(
        "gust_ms", "m/s", "peak 3-s gust at 10 m", "max", "wind", "wind_theta_ms", "wind_beta"
    ),
    IntensityMeasure(
        "flood_depth_m",
        "m",
        "water depth above local ground",
        "sum",
        "flood",
        "flood_theta_m",
        "flood_beta",
    ),
    IntensityMeasure("rain_mm_per_h", "mm/h", "rain rate", "sum"),
    IntensityMeasure("pga_g", "g", "peak ground acceleration (geometric-mean horizontal)", "max"),
    IntensityMeasure("sustained_ms", "m/s", "1-min mean wind at 10 m", "max"),
    IntensityMeasure("pgv_cm_s", "cm/s", "peak ground velocity (geometric-mean horizontal)", "max"),
):
    register_intensity_measure(_im)


@dataclass
class HazardContext:
    """What a hazard builder gets from the model (read-only by convention).

    Attributes:
        config: the validated scenario (:class:`~sim.scenario.schema.Scenario`).
        city: the :class:`~sim.city.City`.
        streams: the model's :class:`~sim.core.streams.RandomStreams`; a hazard that draws
            takes its own named stream (by convention its block name).
        start_utc_s: scenario start, POSIX seconds.
        dt_h: physics step, hours.
        sample_xy: (x_m, y_m) of the D·K district sample points (district-major).
    """

    config: Any
    city: Any
    streams: Any
    start_utc_s: float
    dt_h: float
    sample_xy: tuple[np.ndarray, np.ndarray]

    def utc(self, t_h: float) -> np.datetime64:
        """UTC time of model hour ``t_h`` (whole seconds, as the model's clock)."""
        return np.datetime64(int(round(self.start_utc_s + t_h * 3600.0)), "s")

    def hours(self, when) -> float:
        """Model hours of a datetime (timezone-aware) or datetime64."""
        if hasattr(when, "timestamp"):
            return (when.timestamp() - self.start_utc_s) / 3600.0
        s = np.datetime64(when, "s").astype(np.int64)
        return (float(s) - self.start_utc_s) / 3600.0


class Hazard(ABC):
    """One hazard of a scenario: intensity measures at points over model time.

    Subclasses set ``name`` (the scenario block name) and ``ims`` (IM names they provide,
    registered in :data:`INTENSITY_MEASURES`), and implement :meth:`window_h` and :meth:`at`.

    Contract (tests/test_hazard_interface.py): for every IM in ``ims``, :meth:`at` and
    :meth:`at_samples` return finite, non-negative float arrays shaped like the points, and
    zeros outside the active window.
    """

    name: str = ""
    ims: tuple[str, ...] = ()

    def __init__(self, context: HazardContext):
        self.context = context

    @abstractmethod
    def window_h(self) -> tuple[float, float]:
        """(start, end) model hours during which the hazard acts (start == end: instant)."""

    @property
    def instant(self) -> bool:
        """True for a hazard that acts once, at its start (an earthquake)."""
        start, end = self.window_h()
        return start == end

    def active(self, t_h: float) -> bool:
        """Whether the hazard acts at model hour ``t_h`` (window ends included)."""
        start, end = self.window_h()
        return start <= t_h <= end

    @abstractmethod
    def at(self, im: str, t_h: float, x_m, y_m) -> np.ndarray:
        """IM ``im`` at points (x_m, y_m) (metres, the city's projected CRS) at hour ``t_h``.

        Raises:
            KeyError: ``im`` is not one of the hazard's ``ims``.
        """

    def at_samples(self, im: str, t_h: float) -> np.ndarray:
        """IM at the district sample points (default: :meth:`at` there)."""
        return self.at(im, t_h, *self.context.sample_xy)

    def on_hour(self, t_h: float) -> None:  # noqa: B027 (optional hook, no-op by default)
        """Hourly hook, called at every model hour whether active or not (rain-cell draws)."""

    def _unknown(self, im: str) -> KeyError:
        return KeyError(f"hazard {self.name!r} provides {list(self.ims)}, not {im!r}")


@dataclass(frozen=True)
class HazardSpec:
    """A registered hazard: its block name, builder and the IMs it may provide."""

    name: str
    build: Callable[[Any, HazardContext], Hazard]
    ims: tuple[str, ...] = ()


HAZARDS: dict[str, HazardSpec] = {}
"""Registered hazard builders by block name, in registration order."""


def register_hazard(name: str, build: Callable[[Any, HazardContext], Hazard], ims=()) -> None:
    """Register the builder of the hazard whose scenario block is ``hazard.<name>``.

    The block model must be registered under the same name in
    :mod:`sim.scenario.hazard_blocks`.

    Raises:
        ValueError: an IM is not registered, or another builder has the name.
    """
    unknown = [im for im in ims if im not in INTENSITY_MEASURES]
    if unknown:
        raise ValueError(f"hazard {name!r}: unregistered intensity measures {unknown}")
    old = HAZARDS.get(name)
    if old is not None and old.build is not build:
        raise ValueError(f"hazard {name!r} is already registered")
    HAZARDS[name] = HazardSpec(name, build, tuple(ims))


def discover(package: str = "sim.hazards") -> None:
    """Import every module of ``package`` so that its hazards register themselves."""
    pkg = importlib.import_module(package)
    for info in pkgutil.iter_modules(pkg.__path__):
        importlib.import_module(f"{package}.{info.name}")


def build_hazards(blocks: dict[str, Any], context: HazardContext) -> list[Hazard]:
    """One hazard per scenario block that has a registered builder, in registration order.

    Args:
        blocks: block name -> validated block (``Scenario.hazard.blocks()``).
        context: what builders get.

    Blocks without a builder (the epidemic, run by the model's SEIR process) are skipped.
    """
    discover()
    return [spec.build(blocks[name], context) for name, spec in HAZARDS.items() if name in blocks]


@dataclass
class IntensityField:
    """The combined IMs of the hazards active at one model hour.

    Args:
        hazards: the active hazards.
        t_h: model hour.
    """

    hazards: Sequence[Hazard]
    t_h: float
    _providers: dict[str, list[Hazard]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._providers = {}
        for h in self.hazards:
            for im in h.ims:
                self._providers.setdefault(im, []).append(h)

    def provides(self, im: str) -> bool:
        """Whether any active hazard provides ``im``."""
        return bool(self._providers.get(im))

    def _combine(self, im: str, values) -> np.ndarray:
        rule = INTENSITY_MEASURES[im].combine
        out = None
        for v in values:
            v = np.asarray(v, dtype=float)
            if out is None:
                out = v
            else:
                out = out + v if rule == "sum" else np.maximum(out, v)
        return out

    def at(self, im: str, x_m, y_m) -> np.ndarray:
        """Combined ``im`` at points; zeros when no active hazard provides it."""
        hs = self._providers.get(im)
        if not hs:
            return np.zeros(np.shape(x_m))
        return self._combine(im, (h.at(im, self.t_h, x_m, y_m) for h in hs))

    def at_samples(self, im: str, shape: tuple[int, ...]) -> np.ndarray:
        """Combined ``im`` at the district sample points (``shape``: their count)."""
        hs = self._providers.get(im)
        if not hs:
            return np.zeros(shape)
        return self._combine(im, (h.at_samples(im, self.t_h) for h in hs))


class HazardSet:
    """The hazards of one run, in registration order.

    Args:
        hazards: built hazards.
    """

    def __init__(self, hazards: list[Hazard]):
        self.hazards = list(hazards)

    def __iter__(self):
        return iter(self.hazards)

    def get(self, name: str) -> Hazard | None:
        """The hazard of block ``name``, or None."""
        return next((h for h in self.hazards if h.name == name), None)

    def add(self, hazard: Hazard) -> None:
        """Add a hazard (an injected one) in registration order."""
        order = list(HAZARDS)
        self.hazards.append(hazard)
        self.hazards.sort(key=lambda h: order.index(h.name) if h.name in order else len(order))

    def continuous_active(self, t_h: float) -> bool:
        """Whether a hazard with a window of non-zero length acts at ``t_h``."""
        return any(not h.instant and h.active(t_h) for h in self.hazards)

    def field(self, t_h: float) -> IntensityField:
        """Combined IMs of the continuous hazards active at ``t_h``."""
        return IntensityField([h for h in self.hazards if not h.instant and h.active(t_h)], t_h)

    def instants(self) -> list[Hazard]:
        """Instant hazards (applied once, at their start)."""
        return [h for h in self.hazards if h.instant]

    def on_hour(self, t_h: float) -> None:
        """Run every hazard's hourly hook."""
        for h in self.hazards:
            h.on_hour(t_h)
