"""Responsibility-bearing agents and mechanism designs in the long-run model.

Five responsibility layers (docs/domain.md §2: leadership, territorial, regulatory, industry,
principal/enterprise), insurers, third-party inspectors and residents around a park of
hazardous-chemical enterprises; accidents through layered barriers (Swiss cheese); policy
plug-ins for the "five ones" (docs/domain.md §5) and the remedies of §2.

Modules: ``agents`` (Mesa agents), ``park`` (enterprise arrays), ``cast`` (who is who, their
diligence and barrier compliance), ``behaviour`` (behaviour rules), ``params`` (the tick's
parameters after the policy plug-ins), ``duties`` (self-inspection, residents' reports),
``assessments`` (third-party assessments), ``inspections`` (routine rounds), ``reporting``
(report or conceal, share, enforce, the leadership's review), ``barriers`` and ``accidents``
(the accident pathway, campaigns), ``consequences``, ``early_warning`` (warning levels),
``audit`` (duty log), ``monthly`` (monthly record, summary), ``system`` (the monthly tick) and
``policies/`` (one plug-in module per policy, :mod:`.policies.registry`). The schema lives in
:mod:`sim.scenario.policies`.
"""
