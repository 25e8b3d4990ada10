"""Judges for the judgement criteria: what each criterion asks about, read from the plan as findings.

The rubric names a criterion's judge (``judge: value_chain``); a criterion without one is left to
the reviewer with the strongest passages quoted.
"""

from __future__ import annotations

from .base import Judge, Judgement, rationale
from .dependency import concentration, value_chain
from .feasibility import advanced_tech, core_actor, infrastructure
from .promise import export_share, market, strategic_fields, value_or_channels, world_class
from .value import value_added

JUDGES: dict[str, Judge] = {
    "market": market,
    "export_share": export_share,
    "value_or_channels": value_or_channels,
    "world_class": world_class,
    "strategic_fields": strategic_fields,
    "core_actor": core_actor,
    "advanced_tech": advanced_tech,
    "infrastructure": infrastructure,
    "value_chain": value_chain,
    "concentration": concentration,
    "value_added": value_added,
}

__all__ = ["JUDGES", "Judge", "Judgement", "rationale"]
