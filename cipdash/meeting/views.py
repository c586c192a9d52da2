"""What the pages and the pack show of the meeting record, worked out without Streamlit:
the order of actions (overdue first), their status in words, tables, and times as people
read them. Text written by people stays plain text here; the pages and writers decide
how it is shown (always as text, never as HTML or Markdown).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pandas as pd

from .store import MeetingStore, StoreUnavailable

UNAVAILABLE = "The meeting record is unavailable"
STATUS_WORDS = {"open": "Open", "done": "Done", "dropped": "Dropped"}
ACTION_TABLE_COLUMNS = ["No.", "About", "Action", "Owner", "Due", "Status", "Raised by"]


def when(iso: str | None) -> str:
    """'04 Dec 2026 22:31 UTC' from the store's ISO time."""
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return str(iso)
    return moment.astimezone(timezone.utc).strftime("%d %b %Y %H:%M UTC")


def month_key(as_at: date) -> str:
    return f"{as_at.year:04d}-{as_at.month:02d}"


def is_overdue(action: dict, today: date) -> bool:
    return action["status"] == "open" and date.fromisoformat(action["due"]) < today


def status_words(action: dict, today: date) -> str:
    if is_overdue(action, today):
        days = (today - date.fromisoformat(action["due"])).days
        return f"Open, overdue by {days} day{'s' if days != 1 else ''}"
    return STATUS_WORDS.get(action["status"], action["status"])


def open_actions(actions: list[dict], today: date, first_ids: set[str] | None = None) -> list[dict]:
    """Open actions, overdue first (the longest overdue first), then by due date. With
    `first_ids` (a head of service's measures and recommendations), theirs come first."""
    mine = first_ids or set()
    rows = [a for a in actions if a["status"] == "open"]
    return sorted(rows, key=lambda a: (not ((a["measure_id"] or a["rec_id"]) in mine), not is_overdue(a, today),
                                       a["due"], a["id"]))


def recently_closed(actions: list[dict], now: datetime, days: int) -> list[dict]:
    since = (now - timedelta(days=days)).astimezone(timezone.utc).isoformat()
    closed = [a for a in actions if a["status"] != "open" and a["updated_at"] >= since]
    return sorted(closed, key=lambda a: a["updated_at"], reverse=True)


def about(action: dict, measure_names: dict[str, str]) -> str:
    if action["measure_id"]:
        return f"Measure: {measure_names.get(action['measure_id'], action['measure_id'])}"
    return f"Recommendation {action['rec_id']}"


def actions_frame(actions: list[dict], measure_names: dict[str, str], today: date) -> pd.DataFrame:
    rows = [{"No.": a["id"], "About": about(a, measure_names), "Action": a["text"], "Owner": a["owner"],
             "Due": date.fromisoformat(a["due"]).strftime("%d %b %Y"), "Status": status_words(a, today),
             "Raised by": a["author"]} for a in actions]
    return pd.DataFrame(rows, columns=ACTION_TABLE_COLUMNS).astype(object)


class RecordRead:
    """One read of the record for a page or a pack: the notes of a month and the actions,
    or, when the store cannot be reached, `unavailable` with the reason (never raised)."""

    def __init__(self, store: MeetingStore | None, month: str | None = None, with_history: bool = False):
        self.notes: list[dict] = []
        self.actions: list[dict] = []
        self.unavailable: str | None = None
        if store is None:
            return
        try:
            if month is not None:
                self.notes = store.notes_with_history(month) if with_history else store.notes(month)
            self.actions = store.actions()
        except StoreUnavailable as exc:
            self.unavailable = str(exc)

    def notes_for(self, measure_id: str | None = None, rec_id: str | None = None) -> list[dict]:
        return [n for n in self.notes if (measure_id and n["measure_id"] == measure_id)
                or (rec_id and n["rec_id"] == rec_id)]
