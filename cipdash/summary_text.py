"""`python -m cipdash summary` without --json: the plan's state in words, as a person
would read it out at the meeting (names, UK months, units), not ids and ISO dates."""
from __future__ import annotations

from datetime import date

from .formatting import format_value, month_label, period_label

RAG_WORDS = (("G", "Green"), ("A", "Amber"), ("R", "Red"))


def _counts(counts: dict[str, int]) -> str:
    words = [f"{counts[code]} {word}" for code, word in RAG_WORDS if counts.get(code)]
    return ", ".join(words) if words else "none rated yet"


def _months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def measure_line(m: dict, name: str, unit: str, as_at: date) -> str:
    """"Assessments completed within 45 working days: 91.7% (Jan 2021); Mar 2021 target
    95.0%: not met". A figure the contract calls stale says its age and is never simply
    "met" or "not met"."""
    if m.get("latest_value") is None:
        return f"{name}: no figure yet"
    period_end = date.fromisoformat(m["latest_period_end"])
    figure = f"{format_value(m['latest_value'], unit)} ({period_label(period_end, m.get('period_type') or 'month')})"
    if m.get("target") is None:
        return f"{name}: {figure}; no target set"
    target = f"{month_label(date.fromisoformat(m['target_date']))} target {format_value(m['target'], unit)}"
    verdict = "met" if m["target_met"] else "not met"
    if m.get("stale"):
        age = _months_between(period_end, as_at)
        verdict = f"{verdict} by a figure {age} months old"
    return f"{name}: {figure}; {target}: {verdict}"


def summary_lines(summary: dict, measures: dict[str, tuple[str, str]], who: str) -> list[str]:
    """The summary's lines. `measures`: measure_id -> (name, unit); `who`: "whole authority"
    or the team's name."""
    as_at = date.fromisoformat(summary["as_at"])
    lines = [f"As at {month_label(as_at)} ({who})",
             f"Recommendations: implementation {_counts(summary['rag_counts']['implementation'])}; "
             f"impact {_counts(summary['rag_counts']['impact'])}"]
    if summary["measures"]:
        lines.append("Measures:")
    for m in summary["measures"]:
        name, unit = measures.get(m["measure_id"], (m["measure_id"], "number"))
        lines.append("  " + measure_line(m, name, unit, as_at))
    return lines
