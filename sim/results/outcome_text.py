"""How an outcome key reads to a person: its unit, its label, its number.

One table for every place that shows outcomes — the console table of ``citysafe run``, the
run folder's ``report.html``, the ensemble table, the comparison's forest plot and the
tabletop app's readout (:data:`sim.interfaces.app.readout.LABELS` is :data:`LABELS`).

The project names its keys by unit (``_yuan``, ``_yuan_per_yr``, ``_min``, ``_h``,
``_person_days``, ``_persons``...), so :func:`outcome_unit` reads the unit from the name and a
scenario kind's own table (``OUTCOME_UNITS`` of its schema) only adds what a name cannot say
(``latent_risk_index_final``: failures/yr). :func:`outcome_label` writes the key in words with
its unit; :func:`format_number` prints the value (thousands separators, "M" from a million,
"bn" from a billion, whole numbers from 100 up).
"""

from __future__ import annotations

import math

SUFFIX_UNITS = (
    ("_yuan_per_yr", "yuan/yr"),
    ("_yuan", "yuan"),
    ("_per_yr", "per yr"),
    ("_person_days", "person-days"),
    ("_persons", "persons"),
    ("_months", "months"),
    ("_min", "min"),
    ("_h", "h"),
    ("_s", "s"),
)
"""Unit of a key by how its name ends, longest first (the naming rule of the project)."""

PERSON_WORDS = ("deaths", "injuries", "relocated", "cases", "casualties")
"""Keys ending in one of these words count persons."""

NAME_UNITS = {
    "years": "yr",
    "customer_hours_without_power": "customer-hours",
    "customer_hours_without_water": "customer-hours",
    "telecom_sites_down": "base stations",
    "warning_reach_share": "share of households",
    "customer_hours_without_gas": "customer-hours",
    "residents_simulated": "persons",
}
"""Units a key's ending cannot tell (customer = household; see sim.results.summary)."""

LABELS = {
    # the run's summary (sim.results.summary.SUMMARY_KEYS)
    "people_relocated": "People relocated (persons)",
    "direct_loss_yuan": "Direct loss (yuan)",
    "customer_hours_without_power": "Households × hours without power (customer-hours)",
    "customer_hours_without_water": "Households × hours without water (customer-hours)",
    "customer_hours_without_gas": "Households × hours without gas (customer-hours)",
    "gas_fires_explosions": "Gas fires and explosions (count)",
    "response_time_mean_min": "Response time, mean (min)",
    "response_time_p95_min": "Response time, 95th percentile (min)",
    "full_bundle_time_mean_min": "Full bundle on site, mean (min)",
    "relief_person_days": "Relief needed (person-days)",
    "relief_shortfall_person_days": "Relief short (person-days)",
    "assets": "Network assets (count)",
    "telecom_sites_down": "Base stations out of service at once, peak (base stations)",
    "warning_reach_share": "Households reached by the highest warning in force (share)",
    "residents_simulated": "People in the relocation categories' households (persons)",
    # the long run's summary (sim.scenario.longrun.LONGRUN_SUMMARY_UNITS)
    "black_swan_intensity_max": "Largest black-swan intensity (multiple of x_min)",
    "wall_time_s": "Wall time (s)",
    # the tabletop app's readout (sim.interfaces.app.readout.outcomes)
    "t_h": "Time since start (h)",
    "alert_level": "Alert level in force",
    "open_incidents": "Open incidents (count)",
    "busy_teams": "Teams busy (teams)",
    "deaths": "Deaths (persons)",
    "injuries": "Injuries (persons)",
    "relocated_now_persons": "People relocated now (persons)",
    "relocated_cumulative_persons": "People relocated so far (persons)",
    "damaged_assets": "Damaged network assets (count)",
    "functionality_power": "Power service (% of normal)",
    "functionality_water": "Water service (% of normal)",
    "functionality_drainage": "Drainage service (% of normal)",
    "functionality_roads": "Road service (% of normal)",
}
"""Labels written by hand, with their unit; any other key gets :func:`outcome_label`'s
generated label (functionality: the population-weighted mean over districts, shown in %).
``residents_simulated`` reads as the default run (``population.resolution: off``) counts it;
:func:`scenario_label` names the 1:1 population's residents instead."""

FULL_POPULATION_LABELS = {"residents_simulated": "Residents simulated at 1:1 (persons)"}
"""Labels of a run with the 1:1 population (``population.resolution: full``)."""


def scenario_label(key: str, scenario, units: dict[str, str] | None = None) -> str:
    """:func:`outcome_label` of a key for the scenario run: with the 1:1 population
    (``population.resolution: full``) the keys of :data:`FULL_POPULATION_LABELS` read so."""
    population = getattr(scenario, "population", None)
    if getattr(population, "resolution", "off") == "full" and key in FULL_POPULATION_LABELS:
        return FULL_POPULATION_LABELS[key]
    return outcome_label(key, units)


def outcome_unit(key: str, units: dict[str, str] | None = None) -> str:
    """The unit of a summary key.

    Args:
        key: a summary key; a shock's key ``shocks.<name>.<key>`` has its emergency key's unit.
        units: the scenario kind's own units (``OUTCOME_UNITS``), consulted first; None: none.

    Returns:
        ``units[key]``, else the unit of :data:`NAME_UNITS`, of the name's ending
        (:data:`SUFFIX_UNITS`), "persons" for :data:`PERSON_WORDS`, else "count".
    """
    if units and key in units:
        return units[key]
    base = key.rsplit(".", 1)[-1]
    if base in NAME_UNITS:
        return NAME_UNITS[base]
    for suffix, unit in SUFFIX_UNITS:
        if base.endswith(suffix):
            return unit
    if base.endswith(PERSON_WORDS):
        return "persons"
    return "count"


def outcome_label(key: str, units: dict[str, str] | None = None) -> str:
    """A key in words with its unit: :data:`LABELS`, else the name with its unit ending
    dropped, underscores as spaces, and ``(unit)``: "Cavity screening (yuan/yr)". A shock's
    key reads "Shock lekima: deaths (persons)"."""
    prefix, _, base = key.rpartition(".")
    if not prefix and key in LABELS:
        return LABELS[key]
    unit = outcome_unit(key, units)
    words = base
    for suffix, _ in SUFFIX_UNITS:
        if base.endswith(suffix) and len(base) > len(suffix):
            words = base[: -len(suffix)]
            break
    words = words.replace("_", " ")
    if prefix.startswith("shocks."):
        return f"Shock {prefix.split('.', 1)[1]}: {words} ({unit})"
    return f"{words[:1].upper()}{words[1:]} ({unit})"


def format_number(v: float) -> str:
    """Display text of an outcome value: billions as "x.xx bn", millions as "x.xx M", whole
    numbers with thousands separators from 100 up (a fraction of a person or of an hour means
    nothing there), smaller fractions to 2 decimals."""
    a = abs(v)
    if a >= 1e9:
        return f"{v / 1e9:,.2f} bn"
    if a >= 1e6:
        return f"{v / 1e6:,.2f} M"
    if float(v).is_integer() or a >= 100:
        return f"{round(v):,}"
    return f"{v:,.2f}"


NO_WARNING_TEXT = "no warning issued"
"""What ``warning_reach_share`` reads as when no warning was in force during the run (the
summary then holds null: a share of nobody warned)."""


def _missing(value) -> bool:
    """A value that is not there: None (null in summary.json) or NaN (a table's empty cell)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def count_of_total(count: float, total: float, unit: str = "", what: str = "") -> str:
    """A count against the city total it is out of: "797 of 2,310 base stations down
    (34.5 %)" (``unit`` "base stations", ``what`` "down"); without a unit and words, "797 of
    2,310 (34.5 %)". Numbers by :func:`format_number`, the share to one decimal.

    Raises:
        ValueError: a total that is not positive (nothing to be a share of).
    """
    if not total > 0:
        raise ValueError(f"a count of total needs a positive total, got {total!r}")
    words = " ".join(w for w in (unit, what) if w)
    middle = f" {words}" if words else ""
    share = f"{100.0 * count / total:.1f} %"
    return f"{format_number(count)} of {format_number(total)}{middle} ({share})"


def format_outcome(
    key: str,
    value: float,
    units: dict[str, str] | None = None,
    warned: bool = True,
    totals: dict[str, float] | None = None,
) -> str:
    """Display text of a summary key's value: a share (unit "share ...", e.g.
    ``warning_reach_share``) with 2 decimals, "no warning issued" for ``warning_reach_share``
    when ``warned`` is False, a count with a city total as "N of TOTAL (X %)"
    (:func:`count_of_total`), any other value by :func:`format_number`.

    Args:
        key: the summary key (a shock's ``shocks.<name>.<key>`` too).
        value: its value; None or NaN (a null of summary.json): "no warning issued" for
            ``warning_reach_share``, else "—".
        units: the scenario kind's own units (:func:`outcome_unit`).
        warned: False when the run had no warning in force (the caller knows from its model:
            ``CityModel.warning_issued``); the summary alone cannot tell.
        totals: summary key → the city total its count is out of
            (:func:`sim.results.summary.outcome_totals`; e.g. the city's base stations for
            ``telecom_sites_down``); None or a key without one: the number alone.
    """
    if key.rsplit(".", 1)[-1] == "warning_reach_share" and (not warned or _missing(value)):
        return NO_WARNING_TEXT
    if _missing(value):  # a null of summary.json (sim.results.summary.NULLABLE_KEYS)
        return "—"
    if outcome_unit(key, units).startswith("share"):
        return f"{value:.2f}"
    total = (totals or {}).get(key)
    if total is not None and total > 0:
        return count_of_total(value, total)
    return format_number(value)


BOUND_PREFIX = {"exact": "", "at_least": ">= ", "at_most": "<= "}
"""How an observed figure's ``bound`` (:data:`sim.scenario.schema.OBSERVED_BOUNDS`) is
written before its number: ">= 3,000" is a lower bound, "<= 100" an upper one."""


def observed_figure(value: float, bound: str = "exact") -> str:
    """An observed figure as the tables show it: ``format_number(value)`` after its bound's
    sign (:data:`BOUND_PREFIX`), e.g. ">= 3,000" for "3,000 余" (``bound="at_least"``)."""
    return BOUND_PREFIX[bound] + format_number(value)


def observed_ratio(simulated: float, obs) -> str:
    """Simulated / observed as the console and ``report.html`` show it (2 decimals).

    Args:
        simulated: the run's value.
        obs: the :class:`~sim.scenario.schema.ObservedOutcome` (value, bound).

    Returns:
        "0.81" for an exact figure; for a bound the ratio is a bound too: "<= 0.81" when the
        figure is at least the value (the true ratio is at most simulated / value), ">= 0.81"
        when it is at most the value; "both 0" for 0 / 0 (a match, not a ratio of 0) and "—"
        for x / 0 otherwise, or when there is no simulated value (None).
    """
    if _missing(simulated):  # no simulated value (a null of summary.json): no ratio
        return "—"
    if not obs.value:
        return "both 0" if simulated == 0 else "—"
    flip = {"exact": "", "at_least": "<= ", "at_most": ">= "}[getattr(obs, "bound", "exact")]
    return f"{flip}{simulated / obs.value:.2f}"


def observed_text(
    key: str, obs, units: dict[str, str] | None = None, with_unit: bool = True
) -> str:
    """The observed figure a source line supports: value, unit and reported spread.

    Args:
        key: the summary key the figure is observed for.
        obs: its :class:`~sim.scenario.schema.ObservedOutcome` (value, optional low/high).
        units: the scenario kind's own units (:func:`outcome_unit`).
        with_unit: False where the label beside it already names the unit (``report.html``).

    Returns:
        e.g. "2,984 count", ">= 3,000 count" (a lower bound) or "253,000 persons (reported
        200,000 to 300,000)": what the console and ``report.html`` print before the figure's
        source, so that every line citing a source shows the number it supports.
    """
    text = observed_figure(obs.value, getattr(obs, "bound", "exact"))
    if with_unit:
        text += f" {outcome_unit(key, units)}"
    if obs.low is not None and obs.high is not None and obs.low != obs.high:
        text += f" (reported {format_number(obs.low)} to {format_number(obs.high)})"
    return text
