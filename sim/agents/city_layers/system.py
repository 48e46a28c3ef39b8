"""CityLayers: the five responsibility layers over the city's own assets, one year at a time.

The long run (:class:`sim.models.longrun.RiskDynamicsModel`) with ``processes.responsibility``
lets the district maintenance offices run the assets' physics only (deterioration, failures,
black swans; :class:`sim.risk.MaintenancePolicy` ``manages=False``); the screening and the
repairs that decide the city state of a shock (:mod:`sim.risk.city_state`) are the duties of
these actors (docs/domain.md §2, five layers):

======================  =====================  ===========================================
actor                   layer                  duties over the year
======================  =====================  ===========================================
leadership              leadership             fund: releases the upkeep budget and ranks
                                               the public defects (rule and term of office of
                                               ``slow_risk``); reported problems come first
district governments    territorial            inspect + maintain old housing (retrofit)
drainage authority      industry               inspect + maintain drainage and underpasses
utilities               industry               inspect + maintain pipes; cavity screening
housing regulator       regulatory             inspect facades, signboards and sites; enforce
                                               repair orders
emergency regulator     regulatory             report the public owners' unfixed
                                               high-consequence defects (or conceal them)
building owners         principal (per         inspect + maintain facades and signboards
                        district)
contractors             principal (per         site safety (the construction accident rate)
                        district)
insurer                 market                 third-party surveys of insured items (with
                                               risk-control insurance)
======================  =====================  ===========================================

One year, in order (:meth:`CityLayers.year`): diligence (officials: base x tenure factor +
accountability boost; principals: base + deterrence + boost); the public owners' screening
programmes, each done with P = the owner's diligence; the owners' self-inspection (each item
with P = diligence), the regulator's inspections (capacity x diligence items, random or
riskiest first) with repair orders, the insurer's surveys; the owners' repairs (P = diligence,
P = compliance if ordered, raised by the risk-rated premium if surveyed); the leadership's
funding and the public owners' repairs (each funded repair done with P = the owner's
diligence); the emergency regulator's report of unfixed problems (logit of
:func:`sim.agents.governance.behaviour.report_probability`, regime from
``policies.accountability``); accountability: the owner of a failed high-consequence asset
(an accident), and with problem accountability the owner of a reported problem, is held to
account (diligence spike, decaying).

Times inside the year follow :mod:`sim.risk.process`: detections at y + 0.5, repairs at
y + 0.75. Every duty goes to the :class:`~sim.agents.governance.audit.AuditLog` (target: the
city-wide asset index; -1 for a programme). Draws come from the model's stream
``responsibility`` (one child stream per step, :data:`SUBSTREAMS`). The five ones
(``policies:``) change these duties; their yearly costs are tallied in :attr:`costs`:

- ``institutional``: the regulator's inspection capacity x ``capacity_multiplier`` and the
  officials' tenure weight x ``tenure_weight_factor`` (the upkeep budget is
  ``slow_risk.budget_yuan_per_yr`` itself; its ``budget_multiplier`` acts on the park only);
- ``risk_inventory``: screening coverage + ``risk_inventory_coverage_gain`` and every
  screening (public programmes, the regulator, the pipe chain's roads) riskiest first;
- ``handbook``: orders obeyed with compliance + ``rectification_gain`` (1 - compliance), and
  the reserve pre-positioned in the shocks;
- ``early_warning``: the shocks' warnings decided by the model, else none
  (:meth:`sim.scenario.responsibility.ResponsibilityConfig.shock_overrides`);
- ``risk_control_insurance``: the insurer's surveys and risk-rated premiums;
- ``accountability``: the regulator's report regime and accountability for problems.

``co_governance`` acts on the chemical park only (its block's cost is not counted here).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.agents.city_layers.actors import BuildingOwners, Contractors
from sim.agents.governance import behaviour as rules
from sim.agents.governance.agents import (
    DistrictGovernment,
    DutyBearer,
    IndustryDepartment,
    Insurer,
    MunicipalLeadership,
    Regulator,
)
from sim.agents.governance.audit import DETAIL_CODE as _D
from sim.agents.governance.audit import AuditLog, DutyRecorder
from sim.agents.maintenance_office import StaggeredWhiteElephant
from sim.risk.maintenance import allocate_budget, risk_scores, visible_scores
from sim.risk.screening import detect, screen

YEAR_H = 24.0 * 365.25

PUBLIC_SECTORS = ("pipeline", "drainage_underpass", "old_housing")
"""Sectors whose upkeep the leadership funds (public owners)."""
PRIVATE_SECTORS = ("facade", "signboard")
"""Sectors of the building owners."""
REVIEWED_SECTORS = ("drainage_underpass", "old_housing")
"""High-consequence public sectors the emergency regulator reviews (consequence >= 10 in
:data:`sim.risk.deterioration.DEFAULT_SECTORS`)."""
CITY_POLICIES = frozenset(
    ("institutional", "risk_inventory", "handbook", "early_warning", "risk_control_insurance",
     "accountability")
)  # fmt: skip
"""Policies that act on the city's layers (``co_governance`` acts on the park only)."""
PRIORITY_SCORE = 1e12
"""Score of a reported problem in the leadership's ranking: funded before any other."""

SUBSTREAMS = ("setup", "inspect", "owners", "regulator", "insurer", "repair", "review", "audit")

Emit = Callable[[float, str, int, np.ndarray, np.ndarray], None]
"""emit(t_yr, kind, office index, local asset indices, values): an event for the long run's
log (kind ``defect_detected`` or ``repair``; value: repair cost, yuan)."""


def _hold(agent: DutyBearer, spike: float) -> None:
    """Accountability: diligence d -> d + spike (1 - d) through the decaying boost."""
    agent.boost += spike * (1.0 - agent.diligence)


class CityLayers:
    """The responsibility layers over the city's assets (module docstring).

    Args:
        model: the long run (agents register with it; needs ``city``, ``offices``,
            ``config``).
        rng: the model's ``responsibility`` stream (spawns :data:`SUBSTREAMS`).

    Attributes:
        officials: leadership, district governments, regulators, drainage authority,
            utilities (Mesa agents); owners, contractors: one per district.
        audit: the duty log (→ city_audit.parquet).
        counts: enforcement orders; problems reported / concealed by the emergency
            regulator; repairs deferred (known public defect x year left unfunded).
        costs: yuan spent so far by owners, regulators, and per enabled policy.
    """

    def __init__(self, model, rng: np.random.Generator) -> None:
        self.model = model
        self.cfg = cfg = model.config.processes.responsibility
        self.slow = model.config.processes.slow_risk
        pol = model.config.policies
        self.enabled = set(pol.enabled()) if pol is not None else set()
        self.policies = pol
        self.rng = dict(zip(SUBSTREAMS, rng.spawn(len(SUBSTREAMS)), strict=True))
        self.audit = AuditLog()
        self.log = DutyRecorder(self.audit, self.rng["audit"], YEAR_H)
        n = model.n_districts
        d, we = cfg.diligence, self.slow.white_elephant
        terms = self.rng["setup"].uniform(0.0, we.tenure_yr, n + 5)
        if not we.stagger_terms:
            terms[:] = 0.0

        def official(cls, district, base, term, **kw):
            return cls(model, district, base, 0, 0.0, 1.0, term_start_yr=float(term), **kw)

        self.leadership = official(MunicipalLeadership, -1, d.leadership, terms[0])
        self.housing_regulator = official(
            Regulator, -1, d.regulatory, terms[1], remit=-1, name="housing_construction"
        )
        self.emergency_regulator = official(
            Regulator, -1, d.regulatory, terms[2], remit=-1, name="emergency_management"
        )
        self.drainage_authority = official(IndustryDepartment, -1, d.industry, terms[3])
        self.utilities = official(IndustryDepartment, -1, d.industry, terms[4])
        self.district_govs = [
            official(DistrictGovernment, k, d.territorial, terms[5 + k]) for k in range(n)
        ]
        self.officials = [
            self.leadership,
            self.housing_regulator,
            self.emergency_regulator,
            self.drainage_authority,
            self.utilities,
            *self.district_govs,
        ]
        self.owners = [BuildingOwners(model, k, d.principal) for k in range(n)]
        self.contractors = [Contractors(model, k, d.principal) for k in range(n)]
        self.insurer = None
        if "risk_control_insurance" in self.enabled:
            self.insurer = Insurer(model, -1, 1.0, 0, 0.0, 1.0)
        self.chooser = StaggeredWhiteElephant(
            tenure_yr=we.tenure_yr,
            discount_rate=we.discount_rate,
            visibility_weight=we.visibility_weight,
            min_benefit_cost=we.min_benefit_cost,
            term_start_yr=self.leadership.term_start_yr,
        )
        self.decay = 0.5 ** (1.0 / cfg.accountability_half_life_yr)
        # per office: open repair orders, insured items, reported problems (local indices)
        self.orders: list[np.ndarray] = []
        self.insured: list[np.ndarray] = []
        self.reported: list[np.ndarray] = []
        for office in model.offices:
            k = office.process.inv.n_assets
            self.orders.append(np.zeros(k, bool))
            self.reported.append(np.zeros(k, bool))
            self.insured.append(self.rng["setup"].random(k) < cfg.insured_share)
        self.counts = dict.fromkeys(
            ("enforcement_orders", "problems_reported", "problems_concealed", "repairs_deferred"),
            0,
        )
        self.costs = {"owner_repair": 0.0, "regulator_inspection": 0.0}
        self.costs |= {name: 0.0 for name in sorted(self.enabled & CITY_POLICIES)}

    # ------------------------------------------------------------------ who owns what
    def sector_codes(self, names) -> list[int]:
        inv_sectors = self.model.offices[0].process.inv.sectors
        return [i for i, s in enumerate(inv_sectors) if s.name in names]

    def owner_of(self, sector: str, district: int) -> DutyBearer:
        """The actor that owns the upkeep of ``sector`` in ``district``."""
        if sector == "pipeline":
            return self.utilities
        if sector == "drainage_underpass":
            return self.drainage_authority
        if sector == "old_housing":
            return self.district_govs[district]
        return self.owners[district]

    @property
    def regime(self) -> str:
        """Accountability regime: problems and accidents with ``policies.accountability``."""
        if "accountability" in self.enabled:
            return self.policies.block("accountability").regime
        return "accident_only"

    def _block(self, name: str):
        return self.policies.block(name)

    # ------------------------------------------------------------------ the year
    def update_diligence(self, t_yr: float) -> None:
        """Officials: base x tenure factor + boost; principals: base + deterrence + boost.
        With institutional arrangements the tenure weight x ``tenure_weight_factor``."""
        we = self.slow.white_elephant
        weight = self.cfg.officials_tenure_weight
        if "institutional" in self.enabled:
            weight *= self._block("institutional").tenure_weight_factor
        for a in self.officials:
            a.boost *= self.decay
            m = rules.tenure_factor(t_yr, a.term_start_yr, we.tenure_yr, we.discount_rate, weight)
            a.update_diligence(float(m))
        for p in (*self.owners, *self.contractors):
            p.update(self.cfg.deterrence_weight, self.decay)

    def screening_coverage(self) -> float:
        """Share of a public owner's items its programme inspects (``slow_risk`` coverage, +
        the risk inventory's gain)."""
        c = self.slow.screening_coverage_per_yr
        if "risk_inventory" in self.enabled:
            c += self.cfg.risk_inventory_coverage_gain
        return min(1.0, c)

    @property
    def targeted(self) -> bool:
        return self.slow.targeted_screening or "risk_inventory" in self.enabled

    def cavity_coverage(self, base: float, km: np.ndarray, unit_cost_yuan: float) -> np.ndarray:
        """(D,) share of roads GPR-scanned this year: the utilities' programme per district,
        done with P = their diligence, at ``base`` (+ the risk inventory's gain; its extra km
        x ``unit_cost_yuan`` is the policy's cost). Stream ``inspect``."""
        gain = self.cfg.risk_inventory_coverage_gain if "risk_inventory" in self.enabled else 0.0
        cov = min(1.0, base + gain)
        done = self.rng["inspect"].random(km.size) < self.utilities.diligence
        if gain:
            self.costs["risk_inventory"] += float((km * done).sum()) * (cov - base) * unit_cost_yuan
        t0 = self._t0
        self.log(t0, self.utilities, "inspect", np.full(km.size, -1), done,
                 np.where(done, _D["clean"], _D["neglected"]))  # fmt: skip
        return np.where(done, cov, 0.0)

    def year(self, year: int, failed: list[np.ndarray], emit: Emit) -> None:
        """Run the duties of calendar year ``year``.

        Args:
            year: the calendar year (model years [year, year + 1)).
            failed: per office, (k,) local indices of its assets that failed this year
                (random and black-swan failures; the accidents owners answer for).
            emit: writes detections and repairs to the long run's event log.
        """
        y = float(year)
        self._t0 = float(self.model.hours_of(y))
        self.update_diligence(y)
        for k, office in enumerate(self.model.offices):
            self.reported[k] &= office.process.inv.known_defect  # failed and reset since
            self.orders[k] &= office.process.inv.known_defect
        self._public_screening(y, emit)
        self._private_inspections(y, emit)
        self._private_repairs(y, emit)
        self._fund_public(y, emit)
        self._review(y)
        self._accidents(failed)
        for name in self.enabled & CITY_POLICIES:  # each block's fixed yearly cost
            self.costs[name] += self._block(name).annual_cost_yuan

    def _public_screening(self, y: float, emit: Emit) -> None:
        """Each public owner's programme per district and sector, done with P = diligence."""
        rng = self.rng["inspect"]
        cov = self.screening_coverage()
        codes = self.sector_codes(PUBLIC_SECTORS)
        base = self.slow.screening_coverage_per_yr
        for k, office in enumerate(self.model.offices):
            inv = office.process.inv
            c = np.zeros(len(inv.sectors))
            for s in codes:
                owner = self.owner_of(inv.sectors[s].name, office.district)
                done = bool(rng.random() < owner.diligence)
                c[s] = cov if done else 0.0
                n_items = int(np.count_nonzero(inv.sector == s))
                if done and cov > base and "risk_inventory" in self.enabled:
                    self.costs["risk_inventory"] += (
                        (cov - base) * n_items * self.cfg.inspection_cost_yuan
                    )
                self.log(self._t0, owner, "inspect", [-1], [done],
                         [_D["clean"] if done else _D["neglected"]])  # fmt: skip
            score = inv.failure_probability() if self.targeted else None
            found = screen(inv, c, rng, targeted_score=score)
            emit(y + 0.5, "defect_detected", k, found, np.zeros(found.size))

    def _private_inspections(self, y: float, emit: Emit) -> None:
        """Owners' self-inspection, the regulator's inspections and orders, insurer surveys;
        the regulator's site inspections set the contractors' perceived pressure."""
        cfg, reg = self.cfg, self.housing_regulator
        codes = self.sector_codes(PRIVATE_SECTORS)
        offices = self.model.offices
        n_items = sum(int(np.isin(o.process.inv.sector, codes).sum()) for o in offices)
        capacity = cfg.regulator_inspections_per_yr
        if "institutional" in self.enabled:  # more inspectors: the extra is the policy's cost
            extra = capacity * (self._block("institutional").capacity_multiplier - 1.0)
            capacity += extra
            self.costs["institutional"] += extra * reg.diligence * cfg.inspection_cost_yuan
        p_reg = min(1.0, capacity * reg.diligence / max(n_items, 1))
        self.costs["regulator_inspection"] += p_reg * n_items * cfg.inspection_cost_yuan
        survey_p = 0.0
        self.surveyed = [np.zeros(o.process.inv.n_assets, bool) for o in offices]
        if self.insurer is not None:
            survey_p = -np.expm1(-self._block("risk_control_insurance").surveys_per_yr)
        for k, office in enumerate(offices):
            inv = office.process.inv
            owner = self.owners[k]
            mine = np.isin(inv.sector, codes)
            ids = office.asset_ids
            # owners look at each item with P = diligence
            c = np.zeros(len(inv.sectors))
            c[codes] = owner.diligence
            found = screen(inv, c, self.rng["owners"])
            emit(y + 0.5, "defect_detected", k, found, np.zeros(found.size))
            # the regulator: random items, or the riskiest first with the risk inventory
            c[codes] = p_reg
            score = inv.failure_probability() if self.targeted else None
            found, seen = screen(
                inv, c, self.rng["regulator"], targeted_score=score, return_inspected=True
            )
            emit(y + 0.5, "defect_detected", k, found, np.zeros(found.size))
            new = seen & mine & inv.known_defect & ~self.orders[k]
            self.orders[k] |= new
            self.counts["enforcement_orders"] += int(new.sum())
            owner.pressure = p_reg
            self.log(self._t0, reg, "inspect", ids[seen & mine], np.ones(int((seen & mine).sum())),
                     np.where(inv.known_defect[seen & mine], _D["found"], _D["clean"]))  # fmt: skip
            # insurer-paid third-party surveys of insured items
            if survey_p > 0:
                surveyed = mine & self.insured[k] & (self.rng["insurer"].random(inv.n_assets)
                                                     < survey_p)  # fmt: skip
                found = detect(inv, surveyed, self.rng["insurer"])
                emit(y + 0.5, "defect_detected", k, found, np.zeros(found.size))
                self.costs["risk_control_insurance"] += (
                    float(surveyed.sum()) * cfg.inspection_cost_yuan
                )
                found_mark = np.where(inv.known_defect[surveyed], _D["found"], _D["clean"])
                self.log(self._t0, self.insurer, "inspect", ids[surveyed],
                         np.ones(int(surveyed.sum())), found_mark)  # fmt: skip
                self.surveyed[k] = surveyed
        construction = self.model.construction
        if construction is not None:
            n_sites = construction.sites.district.size
            p_site = min(1.0, cfg.site_inspections_per_yr * reg.diligence / max(n_sites, 1))
            for c_ in self.contractors:
                c_.pressure = p_site

    def _private_repairs(self, y: float, emit: Emit) -> None:
        """Owners repair known defects of their items: P = diligence; with an order
        1 - (1 - P)(1 - compliance); surveyed and insured: + the premium's sensitivity x
        loading (risk-rated premium). Stream ``repair``."""
        codes = self.sector_codes(PRIVATE_SECTORS)
        comply = self.cfg.enforcement_compliance
        if "handbook" in self.enabled:
            comply += self._block("handbook").rectification_gain * (1.0 - comply)
        ins = self._block("risk_control_insurance") if self.insurer is not None else None
        for k, office in enumerate(self.model.offices):
            inv = office.process.inv
            owner = self.owners[k]
            cand = np.nonzero(np.isin(inv.sector, codes) & inv.known_defect)[0]
            p = np.full(cand.size, owner.diligence)
            if ins is not None:
                loaded = self.surveyed[k][cand]
                p = np.where(loaded, np.minimum(1.0, p + ins.premium_sensitivity
                                                * ins.premium_loading), p)  # fmt: skip
            ordered = self.orders[k][cand]
            p = np.where(ordered, 1.0 - (1.0 - p) * (1.0 - comply), p)
            done = self.rng["repair"].random(cand.size) < p
            fixed = cand[done]
            cost = inv.fix_cost_yuan()[fixed]
            self._repair(k, fixed)
            emit(y + 0.75, "repair", k, fixed, cost)
            self.costs["owner_repair"] += float(cost.sum())
            detail = np.where(done, _D["rectified"], _D["not_rectified"])
            self.log(self._t0, owner, "maintain", office.asset_ids[cand], done, detail)
            o = np.nonzero(ordered)[0]
            self.log(self._t0, self.housing_regulator, "enforce", office.asset_ids[cand[o]],
                     done[o], detail[o])  # fmt: skip

    def _repair(self, k: int, fixed: np.ndarray) -> None:
        inv = self.model.offices[k].process.inv
        inv.state[fixed] = 0
        inv.known_defect[fixed] = False
        self.orders[k][fixed] = False
        self.reported[k][fixed] = False

    def _fund_public(self, y: float, emit: Emit) -> None:
        """The leadership ranks every known public defect by its rule (reported problems
        first) and funds within budget x its diligence; each funded repair is done by the
        owner with P = the owner's diligence (money of undone repairs lapses)."""
        rule = self.slow.policy
        codes = self.sector_codes(PUBLIC_SECTORS)
        parts = []
        for k, office in enumerate(self.model.offices):
            inv = office.process.inv
            cand = np.nonzero(np.isin(inv.sector, codes) & inv.known_defect)[0]
            if rule == "risk":
                s = risk_scores(inv, cand)
            elif rule == "visible":
                s = visible_scores(inv, cand)
            else:
                s = self.chooser.scores(inv, cand, y)
            s = np.where(self.reported[k][cand], PRIORITY_SCORE, s)
            parts.append((np.full(cand.size, k), cand, inv.fix_cost_yuan()[cand], s))
        if not parts:
            return
        office_of, local, cost, score = (np.concatenate(c) for c in zip(*parts, strict=True))
        budget = self.slow.budget_yuan_per_yr * self.leadership.diligence
        funded = np.zeros(local.size, bool)
        funded[allocate_budget(cost, score, budget)] = True
        self.counts["repairs_deferred"] += int((~funded).sum())
        rng = self.rng["repair"]
        for k, office in enumerate(self.model.offices):
            sel = office_of == k
            if not sel.any():
                continue
            inv = office.process.inv
            idx, f = local[sel], funded[sel]
            done = np.zeros(idx.size, bool)
            for s in np.unique(inv.sector[idx]):
                owner = self.owner_of(inv.sectors[s].name, office.district)
                mine = inv.sector[idx] == s
                done[mine] = f[mine] & (rng.random(int(mine.sum())) < owner.diligence)
                due = mine & f
                self.log(self._t0, owner, "maintain", office.asset_ids[idx[due]], done[due],
                         np.where(done[due], _D["rectified"], _D["not_rectified"]))  # fmt: skip
            fixed = idx[done]
            cost_k = inv.fix_cost_yuan()[fixed]
            self._repair(k, fixed)
            emit(y + 0.75, "repair", k, fixed, cost_k)
            office.book_planned_spend(float(cost_k.sum()))
            self.log(self._t0, self.leadership, "fund", office.asset_ids[idx], f,
                     np.where(f, _D["funded"], _D["deferred"]))  # fmt: skip

    def _review(self, y: float) -> None:
        """The emergency regulator reports each unfixed, not yet reported high-consequence
        public defect with P = report_probability(diligence, regime); with problem
        accountability each owner with a reported problem is held to account."""
        em = self.emergency_regulator
        if self.regime == "problem_and_accident":
            acc = self._block("accountability")
            p = float(rules.report_probability(em.diligence, self.regime, acc.audit_prob,
                                               acc.concealment_penalty))  # fmt: skip
        else:
            p = float(rules.report_probability(em.diligence, "accident_only"))
        codes = self.sector_codes(REVIEWED_SECTORS)
        rng = self.rng["review"]
        held: set[int] = set()
        for k, office in enumerate(self.model.offices):
            inv = office.process.inv
            cand = np.nonzero(np.isin(inv.sector, codes) & inv.known_defect & ~self.reported[k])[0]
            rep = rng.random(cand.size) < p
            self.reported[k][cand[rep]] = True
            self.counts["problems_reported"] += int(rep.sum())
            self.counts["problems_concealed"] += int((~rep).sum())
            self.log(self._t0, em, "report", office.asset_ids[cand], rep,
                     np.where(rep, _D["reported"], _D["concealed"]))  # fmt: skip
            if self.regime == "problem_and_accident":
                for s in np.unique(inv.sector[cand[rep]]):
                    owner = self.owner_of(inv.sectors[s].name, office.district)
                    if id(owner) not in held:
                        held.add(id(owner))
                        _hold(owner, self.cfg.accountability_spike)

    def _accidents(self, failed: list[np.ndarray]) -> None:
        """Accident accountability (always): a failed high-consequence asset (an accident:
        :data:`REVIEWED_SECTORS`; a fallen sign or a pipe burst is not investigated as one)
        holds its owner and the leadership to account, each once a year."""
        spike = self.cfg.accountability_spike
        held: set[int] = set()
        review = self.sector_codes(REVIEWED_SECTORS)
        for k, office in enumerate(self.model.offices):
            inv = office.process.inv
            serious = failed[k][np.isin(inv.sector[failed[k]], review)]
            for s in np.unique(inv.sector[serious]):
                for agent in (self.owner_of(inv.sectors[s].name, office.district),
                              self.leadership):  # fmt: skip
                    if id(agent) not in held:
                        held.add(id(agent))
                        _hold(agent, spike)

    # ------------------------------------------------------------------ other processes
    def site_multipliers(self, site_district: np.ndarray) -> np.ndarray:
        """(n,) accident-rate multiplier of each construction site (its district's
        contractors, :meth:`Contractors.accident_multiplier`)."""
        m = np.array([c.accident_multiplier(self.cfg.contractor_safety_effect)
                      for c in self.contractors])  # fmt: skip
        return m[site_district]

    def contractors_accidents(self, district: np.ndarray) -> None:
        """Accident accountability of the contractors of districts with an accident."""
        for k in np.unique(district):
            self.contractors[int(k)].hold_accountable(self.cfg.accountability_spike)

    # ------------------------------------------------------------------ outputs
    def summary(self, n_years: int) -> dict[str, float]:
        """Yearly costs and counts (keys of :data:`sim.scenario.longrun.LONGRUN_SUMMARY_KEYS`)."""
        due, done = self.audit.counts()
        five = sum(v for k, v in self.costs.items() if k in self.enabled)
        return {
            "owner_repair_yuan_per_yr": round(self.costs["owner_repair"] / n_years),
            "regulator_inspection_yuan_per_yr": round(self.costs["regulator_inspection"] / n_years),
            "five_ones_cost_yuan_per_yr": round(five / n_years),
            **self.counts,
            "city_duty_completion": round(done / due, 4) if due else 0.0,
            "owner_diligence_final": round(float(np.mean([o.diligence for o in self.owners])), 4),
        }
