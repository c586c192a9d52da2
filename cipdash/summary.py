"""The state of the plan at a date, as `python -m cipdash summary --json` prints it."""
from __future__ import annotations

import math
from datetime import date

import pandas as pd

from .cells import AUTHORITY_TEAM
from .analysis import passed_targets, read_all
from .db import Snapshot
from .targets import meets

RAG_CODES = ("R", "A", "G")


def _iso(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return None
    return pd.Timestamp(value).date().isoformat()


def _num(value) -> float | None:
    if value is None or pd.isna(value):
        return None
    return float(value)


def default_as_at(snap: Snapshot) -> date | None:
    latest = snap.query("latest_data_date")["latest"].iloc[0]
    return None if pd.isna(latest) else pd.Timestamp(latest).date()


def build_summary(snap: Snapshot, as_at: date | None = None, team: str | None = None) -> dict:
    team = team or AUTHORITY_TEAM
    as_at = as_at or default_as_at(snap) or date.today()
    ratings = snap.query("ratings_at", as_at=as_at)
    recommendations = []
    counts = {"implementation": dict.fromkeys(RAG_CODES, 0), "impact": dict.fromkeys(RAG_CODES, 0)}
    for r in ratings.itertuples(index=False):
        implementation = r.implementation if isinstance(r.implementation, str) else None
        impact = r.impact if isinstance(r.impact, str) else None
        recommendations.append({"rec_id": r.rec_id, "title": r.title, "implementation": implementation,
                                "impact": impact, "rated_at": _iso(r.rated_at)})
        for kind, code in (("implementation", implementation), ("impact", impact)):
            if code in counts[kind]:
                counts[kind][code] += 1

    figures = snap.query("latest_figures", as_at=as_at, teams=[team])
    readings = read_all(snap, as_at, team, figures)
    targets = snap.query("all_targets")
    measures = []
    for f in figures.itertuples(index=False):
        target = _num(f.target)
        reading = readings[f.measure_id]
        fc = reading.forecast
        # The series shown: the authority's figures, or the team's (measure_series gives the
        # authority's beside a team's).
        series = snap.query("measure_series", measure_id=f.measure_id, as_at=as_at, teams=[team],
                            all_teams=False)
        passed = passed_targets(series[series["team_id"] == team],
                                targets[targets["measure_id"] == f.measure_id], f.polarity, as_at,
                                "authority" if team == AUTHORITY_TEAM else "team")
        measures.append({
            "measure_id": f.measure_id,
            "team_id": f.team_id,
            "latest_period_end": _iso(f.latest_period_end),
            "period_type": f.period_type,
            "latest_value": _num(f.latest_value),
            "target_date": _iso(f.target_date),
            "target": target,
            "target_met": meets(_num(f.latest_value), target, f.polarity),
            "team_min": _num(f.team_min),
            "team_max": _num(f.team_max),
            "variation": reading.variation,
            "assurance": reading.assurance,
            "trial_limits": reading.spc.trial_limits if reading.spc is not None else None,
            "forecast_status": fc.status if fc is not None else None,
            "forecast_value": _num(fc.projected) if fc is not None else None,
            "narrative": reading.narrative,
            # Honest readings (data-contract.md)
            "stale": reading.stale,
            "age_months": reading.age_months,
            "assurance_withheld": reading.assurance_withheld,
            "suggested_rebase_date": _iso(reading.suggested_rebase_date),
            "baseline_note": reading.baseline_note,
            "passed_targets": [{"target_date": p.target_date.isoformat(), "target": p.target,
                                "outturn": p.outturn, "outturn_period_end": _iso(p.outturn_period_end),
                                "outturn_period_type": p.outturn_period_type, "met": p.met}
                               for p in passed],
        })
    return {"as_at": as_at.isoformat(), "team_id": team, "recommendations": recommendations,
            "rag_counts": counts, "measures": measures}
