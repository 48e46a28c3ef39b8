"""Responsibility-bearing agents and mechanism designs in the long-run model.

Five responsibility layers (domain.md §2: leadership, territorial, regulatory, industry,
principal/enterprise), insurers, third-party inspectors and residents around a park of
hazardous-chemical enterprises; accidents through layered barriers (Swiss cheese); policy
plug-ins for the "five ones" (domain.md §5) and the remedies of §2.

Modules: ``config`` (schema), ``agents`` (Mesa agents), ``park`` (enterprise arrays),
``behaviour`` (behaviour rules), ``barriers`` (accident pathway), ``early_warning``,
``consequences``, ``audit`` (duty log), ``system`` (the monthly tick). This package exports
only the schema, which the scenario loader needs without importing the model.
"""
