"""What the pages read, as DataFrames, from one snapshot of the database.

Each function runs a query file from cipdash/sql/queries/ with bound parameters and does
the little shaping the users' words need. No Streamlit here: pages call these through
cached wrappers (cipdash/webapp.py), tests call them directly.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from .cache import per_version
from .cells import AUTHORITY_TEAM, RAG_NAMES
from .db import Snapshot
from .targets import NOT_MET, statuses

# Ratings compared for movement: a higher score is better.
RAG_SCORE = {"R": 0, "A": 1, "G": 2}


# Intermediate results several views share (the latest figures, the SPC readings) are
# kept per database version by cipdash/cache.py: the overview's cards and its
# needs-attention list, the teams page and a measure's reading then run each query once
# per as-at date, not once per caller. Results are shared: callers never mutate them.


@per_version
def _per_version(snap: Snapshot, name: str) -> pd.DataFrame:
    """A small table read once per database version (targets, comparators, the authority's
    figures): filtered in memory by the functions below, so a page with five charts runs
    no query for them after the first."""
    return snap.query(name)


@per_version
def _by_measure(snap: Snapshot, name: str) -> dict:
    """A per-version table split by measure: measure_id -> its rows without the measure_id
    column (None -> no rows), once per version, so a chart does not filter every measure's
    rows (three such filters were a third of a trend chart's cost)."""
    frame = _per_version(snap, name)
    parts = {m: part.drop(columns="measure_id").reset_index(drop=True)
             for m, part in frame.groupby("measure_id", sort=False)}
    parts[None] = frame.iloc[0:0].drop(columns="measure_id").reset_index(drop=True)
    return parts


def _per_measure(snap: Snapshot, name: str, measure_id: str) -> pd.DataFrame:
    """One measure's rows of a per-version table, without the measure_id column. The frames
    are shared; pandas' copy-on-write keeps a caller's change to its own copy."""
    parts = _by_measure(snap, name)
    return parts.get(measure_id, parts[None])


def _up_to(frame: pd.DataFrame, as_at: date) -> pd.DataFrame:
    """The rows on or before as_at. Most per-measure frames are in date order (one period
    type, or newest first): then the rows wanted are one slice, found by bisection, which
    costs a tenth of filtering every column by a mask (a chart filters two such frames)."""
    ends = frame["period_end"]
    cutoff = pd.Timestamp(as_at)
    if ends.is_monotonic_increasing:
        return frame.iloc[:int(ends.searchsorted(cutoff, side="right"))]
    if ends.is_monotonic_decreasing:
        later = int(len(ends) - ends.iloc[::-1].searchsorted(cutoff, side="right"))
        return frame.iloc[later:].reset_index(drop=True)
    return _rows(frame, (ends <= cutoff).to_numpy())


def _date(value) -> date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def plan_info(snap: Snapshot) -> dict[str, str]:
    info = snap.query("plan_info")
    return {k: (v or "") for k, v in zip(info["key"], info["value"])}


def available_months(snap: Snapshot) -> list[date]:
    """Month ends with data or ratings, newest first."""
    return [_date(d) for d in snap.query("available_months")["month_end"]]


def latest_data_date(snap: Snapshot) -> date | None:
    return _date(snap.query("latest_data_date")["latest"].iloc[0])


def movement(current: str | None, previous: str | None) -> str | None:
    """improved / worsened / same since the previous rating; None when there is nothing to compare."""
    if current not in RAG_SCORE or previous not in RAG_SCORE:
        return None
    diff = RAG_SCORE[current] - RAG_SCORE[previous]
    return "improved" if diff > 0 else "worsened" if diff < 0 else "same"


def _as_duckdb_hands_over(frame: pd.DataFrame) -> pd.DataFrame:
    """A text column with nothing in it as DuckDB's .df() gives it (objects, None), so a frame
    filtered in memory is the frame the query would have returned."""
    for c in frame.columns:
        if (isinstance(frame[c].dtype, pd.StringDtype) or frame[c].dtype == object) and frame[c].isna().all():
            frame[c] = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    return frame


RATING_COLUMNS = ("implementation", "impact", "evidence", "further_actions")


def _ratings_words(column: pd.Series, text: bool) -> pd.Series:
    """A rating column as the pages read it: a rating not yet judged is None in an object
    column (pandas 3 would make a text column's missing value NaN, which is truthy: the
    Overview crashed on KeyError: nan). Text (evidence, further actions) keeps its string
    type when none is missing."""
    if text and not column.isna().any():
        return column
    return pd.Series([None if pd.isna(v) else v for v in column], index=column.index, dtype=object)


def ratings_at(snap: Snapshot, as_at: date) -> pd.DataFrame:
    """Each recommendation's rating at as_at and the one before it (ratings_at.sql, where
    the rule is written; summary --json runs it too), with the movement since."""
    df = snap.query("ratings_at", as_at=as_at)
    for c in RATING_COLUMNS + ("previous_implementation", "previous_impact"):
        df[c] = _ratings_words(df[c], text=c in ("evidence", "further_actions"))
    for c in ("implementation", "impact"):
        df[f"{c}_movement"] = pd.Series([movement(a, b) for a, b in zip(df[c], df[f"previous_{c}"])],
                                        index=df.index, dtype=object)
    return df


def rag_counts(ratings: pd.DataFrame, kind: str) -> dict[str, int]:
    counts = ratings[kind].value_counts()
    return {code: int(counts.get(code, 0)) for code in ("G", "A", "R")}


def rag_counts_sentence(counts: dict[str, int]) -> str:
    """"4 Green, 2 Amber" (zero counts left out; "No ratings yet" when all are zero)."""
    parts = [f"{n} {RAG_NAMES[code]}" for code, n in counts.items() if n]
    return ", ".join(parts) if parts else "No ratings yet"


def measures(snap: Snapshot) -> pd.DataFrame:
    return _per_version(snap, "measures").copy()


def recommendations(snap: Snapshot) -> pd.DataFrame:
    return _per_version(snap, "recommendations").copy()


def teams(snap: Snapshot) -> pd.DataFrame:
    return _per_version(snap, "teams").copy()


def inspections(snap: Snapshot, as_at: date) -> pd.DataFrame:
    """Inspection judgements published on or before as_at, by date and file order."""
    found = _per_version(snap, "all_inspections")
    return _rows(found, (found["date"] <= pd.Timestamp(as_at)).to_numpy())


def latest_figures(snap: Snapshot, as_at: date, team: str = AUTHORITY_TEAM) -> pd.DataFrame:
    """Each measure's latest figure for `team`, its change, next target and status."""
    return latest_figures_for(snap, as_at, (team,))


def latest_figures_for(snap: Snapshot, as_at: date, teams: tuple[str, ...]) -> pd.DataFrame:
    """latest_figures for several teams in one query (rows per measure and team)."""
    return _latest_figures(snap, as_at, tuple(teams)).copy()


def _authority_latest(snap: Snapshot, as_at: date) -> pd.DataFrame:
    """latest_figures for the whole authority alone: the authority_latest mart's rows for
    the month latest_month() finds. The mart is read once per version (every month's
    rows: a few thousand) and cut by that month in memory: a query per as-at date for
    the rows themselves cost ~4 ms more (1m rows)."""
    every = _per_version(snap, "authority_latest")
    month = _authority_month(snap, as_at)
    mask = (every["as_at_month"] == pd.Timestamp(month)).to_numpy() if month is not None else \
        np.zeros(len(every), dtype=bool)
    return _rows(every, mask).drop(columns="as_at_month")


@per_version
def _authority_month(snap: Snapshot, as_at: date) -> date | None:
    """The month end whose whole-authority figures are the latest at as_at (None before the
    first), as latest_month() finds it."""
    found = snap.query("authority_month", as_at=as_at)["as_at_month"].iloc[0]
    return None if pd.isna(found) else pd.Timestamp(found).date()


TEAM_ROW_COLUMNS = ["measure_id", "team_id", "latest_period_end", "period_type", "latest_value", "target_date",
                    "target", "name", "unit", "polarity", "tolerance", "sort_order", "status"]


@per_version
def _plan_columns(snap: Snapshot) -> tuple[dict[str, int], dict[str, np.ndarray]]:
    """The plan's own columns of each measure, for joining to figures in memory: measure_id
    -> its position, and each column as an array (read once per version)."""
    plan = _per_version(snap, "measures")
    where = {m: i for i, m in enumerate(plan["measure_id"].tolist())}
    return where, {c: plan[c].to_numpy() for c in ("name", "unit", "polarity", "tolerance", "sort_order")}


@per_version
def _team_names(snap: Snapshot) -> dict[str, str]:
    """team_id -> team name, read once per version (shared: callers never change it)."""
    return dict(zip(*_per_version(snap, "teams")[["team_id", "team_name"]].to_numpy().T))


def team_latest_rows(snap: Snapshot, as_at: date, team_ids: tuple[str, ...]) -> pd.DataFrame:
    """The teams' latest figures at as_at with their status against the team target: the
    columns TEAM_ROW_COLUMNS of latest_figures_for (the same values, in its order: by the
    plan's measure order, then team)."""
    return pd.DataFrame(_team_rows(snap, as_at, tuple(team_ids)), columns=TEAM_ROW_COLUMNS)


@per_version
def _team_rows(snap: Snapshot, as_at: date, team_ids: tuple[str, ...]) -> dict[str, np.ndarray]:
    """team_latest_rows as a column -> array dict, which is all the Teams table and a team's
    readings read: joined to the plan, ordered and rated with numpy, where a DataFrame
    joined and sorted with pandas cost three times the query (~9 ms a service area).
    Shared; callers never change it."""
    found = snap.query("team_latest_rows", as_at=as_at, teams=list(team_ids))
    where, plan = _plan_columns(snap)
    at = np.fromiter((where[m] for m in found["measure_id"].tolist()), dtype=np.intp, count=len(found))
    columns = {c: found[c].to_numpy() for c in found.columns} | {c: values[at] for c, values in plan.items()}
    order = np.lexsort((columns["team_id"], columns["sort_order"]))
    columns = {c: values[order] for c, values in columns.items()}
    columns["status"] = np.array(statuses(columns["latest_value"], columns["target"], columns["polarity"],
                                          columns["tolerance"]), dtype=object)
    return {c: columns[c] for c in TEAM_ROW_COLUMNS}


@per_version
def _latest_figures(snap: Snapshot, as_at: date, teams: tuple[str, ...]) -> pd.DataFrame:
    if tuple(teams) == (AUTHORITY_TEAM,):
        df = _authority_latest(snap, as_at)
    else:
        df = snap.query("latest_figures", as_at=as_at, teams=list(teams))
    df["change"] = df["latest_value"] - df["previous_value"]
    df["status"] = statuses(df["latest_value"].to_numpy(float), df["target"].to_numpy(float),
                            df["polarity"].to_numpy(object), df["tolerance"].to_numpy(float))
    # Worsening = moved the wrong way for the measure's polarity since the previous period.
    # (numpy, not Series.map: mapping an empty text column gives text, and text times a
    # number raised on an as-at date before the first figure.)
    # A neutral measure (neither direction is better) never worsens: its sign is 0.
    polarity = df["polarity"].to_numpy(object)
    sign = np.where(polarity == "lower_better", -1.0, np.where(polarity == "neutral", 0.0, 1.0))
    df["worsening"] = (df["change"].to_numpy(float) * sign) < 0
    return df


def needs_attention(figures: pd.DataFrame) -> pd.DataFrame:
    """Measures not meeting their next target, or worsening, worst first."""
    flagged = figures[(figures["status"] == NOT_MET) | figures["worsening"]].copy()
    flagged["reason"] = [
        "; ".join(r for r, on in (("not meeting the next target", s == NOT_MET), ("worsening", bool(w))) if on)
        for s, w in zip(flagged["status"], flagged["worsening"])
    ]
    flagged["order"] = (flagged["status"] == NOT_MET).astype(int) + flagged["worsening"].astype(int)
    return flagged.sort_values(["order", "sort_order"], ascending=[False, True]).drop(columns="order")


def authority_series(snap: Snapshot, as_at: date) -> pd.DataFrame:
    """Every measure's whole-authority figures with a value up to as_at, by measure, period
    type and date (sparklines, SPC), from the per-version copy of the authority's figures."""
    figures = _per_version(snap, "authority_figures")
    mask = (figures["period_end"] <= pd.Timestamp(as_at)).to_numpy() & figures["value"].notna().to_numpy()
    return _rows(figures, mask)[["measure_id", "period_end", "period_type", "value", "numerator", "denominator"]]


def _rows(frame: pd.DataFrame, mask) -> pd.DataFrame:
    return frame[mask].reset_index(drop=True)


def measure_series(snap: Snapshot, measure_id: str, as_at: date, teams: tuple[str, ...] | None = None) -> pd.DataFrame:
    """A measure's figures: the whole authority and `teams` (every team when None)."""
    if teams is not None and len(teams) == 0:
        # The whole authority alone: from the per-version copy of its figures.
        return _up_to(_per_measure(snap, "authority_figures", measure_id), as_at)
    return snap.query("measure_series", measure_id=measure_id, as_at=as_at, teams=list(teams or []),
                      all_teams=teams is None)


def measure_targets(snap: Snapshot, measure_id: str) -> pd.DataFrame:
    """A measure's targets by date (then authority before each_team)."""
    return _per_measure(snap, "all_targets", measure_id)


def measure_benchmarks(snap: Snapshot, measure_id: str, as_at: date) -> pd.DataFrame:
    """Comparator figures for one measure up to as_at, by comparator and date."""
    return _up_to(_per_measure(snap, "all_benchmarks", measure_id), as_at)


def league(snap: Snapshot, measure_id: str, period_end: date, period_type: str, polarity: str) -> pd.DataFrame:
    """Teams ranked best first for the measure's polarity; rank 1 is the best."""
    df = snap.query("league", measure_id=measure_id, period_end=period_end, period_type=period_type)
    df = df.sort_values("value", ascending=(polarity == "lower_better"), kind="stable").reset_index(drop=True)
    df.insert(0, "rank", range(1, len(df) + 1))
    return df


@per_version
def _ratings_by_rec_frame(snap: Snapshot) -> dict:
    """rec_id -> its ratings without the rec_id column (None -> no rows), once per version."""
    every = _per_version(snap, "all_ratings")
    parts = {r: part.drop(columns="rec_id").reset_index(drop=True)
             for r, part in every.groupby("rec_id", sort=False)}
    parts[None] = every.iloc[0:0].drop(columns="rec_id").reset_index(drop=True)
    return parts


def rating_history(snap: Snapshot, rec_id: str, as_at: date) -> pd.DataFrame:
    """One recommendation's ratings up to as_at, oldest first."""
    # Split by recommendation once per version, then cut at as_at (by bisection when in
    # date order, as all_ratings.sql gives them): two masks over every rating cost ~3 ms.
    parts = _ratings_by_rec_frame(snap)
    mine = parts.get(rec_id, parts[None])
    dates = mine["as_at"]
    cutoff = pd.Timestamp(as_at)
    if dates.is_monotonic_increasing:
        mine = mine.iloc[:int(dates.searchsorted(cutoff, side="right"))]
    else:
        mine = _rows(mine, (dates <= cutoff).to_numpy())
    return _as_duckdb_hands_over(mine)


def coverage(snap: Snapshot) -> pd.DataFrame:
    return snap.query("coverage")


def load_log(snap: Snapshot) -> pd.DataFrame:
    return snap.query("load_log")


def revisions(snap: Snapshot) -> pd.DataFrame:
    return snap.query("revisions")


def _month(value) -> str:
    from .formatting import month_label

    d = _date(value)
    return month_label(d) if d else "–"


def _when(value) -> str:
    return "–" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%d %b %Y %H:%M UTC")


def coverage_table(snap: Snapshot) -> pd.DataFrame:
    """What is loaded, per measure, in the Data page's words."""
    df = coverage(snap)
    return pd.DataFrame({
        "Measure": df["name"], "Measure id": df["measure_id"],
        "Figures": df["rows"].fillna(0).astype(int), "Teams": df["teams"].fillna(0).astype(int),
        "Latest period": [_month(d) for d in df["latest_period_end"]],
        "Monthly from": [_month(d) for d in df["first_month"]], "Monthly to": [_month(d) for d in df["last_month"]],
        "Months missing": df["missing_count"].fillna(0).astype(int),
        "Which months": df["missing_months"].fillna(""),
    })


def load_log_table(snap: Snapshot) -> pd.DataFrame:
    df = load_log(snap)
    return pd.DataFrame({
        "Load": df["load_id"], "Loaded": [_when(t) for t in df["loaded_at"]], "File": df["file"],
        "Rows": df["rows"], "New figures": df["rows_added"], "Revised": df["rows_revised"],
        "Withdrawn": df["rows_withdrawn"].fillna(0).astype(int),
        "Plan changed": df["plan_changed"].map({True: "yes", False: "no"}), "SHA-256": df["sha256"],
    })


def revisions_table(snap: Snapshot) -> pd.DataFrame:
    df = revisions(snap)
    return pd.DataFrame({
        "Measure id": df["measure_id"], "Team": df["team_id"], "Period end": [_date(d) for d in df["period_end"]],
        "Period type": df["period_type"],
        "What happened": [_revision_words(c, by, back) for c, by, back in
                          zip(df["change"], df["replaced_by_load"], df["returned_by_load"])],
        "Earlier value": df["earlier_value"], "Value now": df["current_value"],
        "Earlier file": df["earlier_file"], "Earlier loaded": [_when(t) for t in df["earlier_loaded_at"]],
        "Replaced": [_when(t) for t in df["replaced_at"]],
    })


def _revision_words(change: str, by, back) -> str:
    """A revision's kind in words: restated, or withdrawn (its row left every file) and
    perhaps shown again since."""
    by_load = f"load {int(by)}" if by is not None and not pd.isna(by) else "a later load"
    if change != "withdrawn":
        return f"revised by {by_load}"
    words = f"withdrawn by {by_load}: its row is in no file"
    if back is not None and not pd.isna(back):
        words += f"; shown again from load {int(back)} (its row came back)"
    return words


def scope_figures(snap: Snapshot, as_at: date, team_ids: tuple[str, ...]) -> pd.DataFrame:
    """Every measure for the chosen teams beside the authority: the latest figure with its
    status against the target that applies to teams (each_team), as display text. For a
    single team the SPC reading is given in words too (for a whole service area it would
    mean a chart per team and measure: the team view has it)."""
    from .speed import remembered_format as format_value
    from .formatting import period_label, target_label
    from .spc import describe_variation
    from .targets import STATUS_WORDS

    names = _team_names(snap) if team_ids else {}
    authority = latest_figures(snap, as_at, AUTHORITY_TEAM)
    # Column by column (to_dict("records") boxes every cell: ~2 ms here).
    rows = {m: {"Measure": n, "Whole authority": format_value(v, u)}
            for m, n, v, u in zip(*(authority[c].tolist() for c in ("measure_id", "name", "latest_value", "unit")))}
    figures = _team_rows(snap, as_at, tuple(team_ids))  # (a team is never ALL: plan.py refuses it)
    variation = _variations(snap, as_at, team_ids[0]) if len(team_ids) == 1 else {}
    # A service area is ~1,400 rows: read the columns once as lists (not a dict per row)
    # and label each distinct period, target and status once.
    wanted = ["measure_id", "team_id", "name", "unit", "status", "latest_value", "target", "target_date",
              "latest_period_end", "period_type"]
    periods: dict = {}
    targets: dict = {}
    words = {code: STATUS_WORDS[code].lower() for code in STATUS_WORDS}
    readings = {m: describe_variation(v).label.lower() for m, v in variation.items() if v is not None}
    # Dates as numpy values: a datetime column's tolist() makes a Timestamp per cell (slow).
    columns = [np.asarray(figures[c]) if c in ("target_date", "latest_period_end") else list(figures[c])
               for c in wanted]
    for mid, tid, name, unit, state, value, target, target_date, period_end, period_type in zip(*columns):
        row = rows.get(mid)
        if row is None:
            row = rows[mid] = {"Measure": name, "Whole authority": "–"}
        notes = [words[state]] if state in words else []
        if mid in readings:
            # The SPC reading in words (MDC): never an icon's colour alone.
            notes.append(readings[mid])
        row[names.get(tid, tid)] = format_value(value, unit) + (f" ({'; '.join(notes)})" if notes else "")
        if not pd.isna(target):
            key = (target, unit, target_date)
            if key not in targets:
                targets[key] = target_label(target, unit, _date(target_date))
            row["Team target"] = targets[key]
        key = (period_end, period_type)
        if key not in periods:
            periods[key] = period_label(_date(period_end), period_type)
        row["Period"] = periods[key]
    columns = ["Measure", "Period"] + [names.get(t, t) for t in team_ids] + ["Whole authority", "Team target"]
    # Rows as lists with the dash filled in here: a frame of dicts then fillna cost ~6 ms.
    return pd.DataFrame([[row.get(c, "–") for c in columns] for row in rows.values()], columns=columns)


def scope_attention_table(snap: Snapshot, as_at: date, team_ids: tuple[str, ...]) -> pd.DataFrame:
    """The chosen teams' figures that do not meet the target set for each team, as the
    Overview lists them under its own needs-attention list (plan order, then team)."""
    from .formatting import format_value, period_label, target_label

    rows = _team_rows(snap, as_at, tuple(team_ids))
    names = _team_names(snap)
    flagged = np.flatnonzero(rows["status"] == NOT_MET)
    return pd.DataFrame({
        "Measure": [rows["name"][i] for i in flagged],
        "Team": [names.get(rows["team_id"][i], rows["team_id"][i]) for i in flagged],
        "Latest": [format_value(rows["latest_value"][i], rows["unit"][i]) for i in flagged],
        "Period": [period_label(_date(rows["latest_period_end"][i]), rows["period_type"][i]) for i in flagged],
        "Team target": [target_label(rows["target"][i], rows["unit"][i], _date(rows["target_date"][i]))
                        for i in flagged],
    })


def busiest_service_area(snap: Snapshot, as_at: date) -> str | None:
    """The service area whose teams have the most figures at as_at: what the Teams page
    shows while the scope is the whole authority (an area of mostly dashes helps nobody)."""
    found = snap.query("busiest_service_area", as_at=as_at)
    return None if found.empty else found["service_area"].iloc[0]


def team_periods(snap: Snapshot, measure_id: str, as_at: date) -> pd.DataFrame:
    """The periods at which teams have figures for a measure, newest first."""
    return _up_to(_per_measure(snap, "all_team_periods", measure_id), as_at)


@per_version
def _first_team_figure(snap: Snapshot) -> dict:
    """measure_id -> the period end of its first team figure."""
    found = _per_version(snap, "all_team_periods")
    return found.groupby("measure_id")["period_end"].min().to_dict()


def measures_with_team_figures(snap: Snapshot, as_at: date) -> dict[str, str]:
    """measure_id -> name, for measures with team figures on or before as_at (league and
    heat map), in plan order."""
    first = _first_team_figure(snap)
    cutoff = pd.Timestamp(as_at)
    plan = _per_version(snap, "measures")
    return {m: n for m, n in zip(plan["measure_id"].tolist(), plan["name"].tolist())
            if m in first and first[m] <= cutoff}


@per_version
def _rebase_dates(snap: Snapshot) -> dict[str, list[date]]:
    from .analysis import rebase_dates

    return rebase_dates(snap)


@per_version
def _readings(snap: Snapshot, as_at: date, team: str) -> dict:
    from .analysis import read_all

    # A team's from the lean team rows (read_all reads only their measure, target, target
    # date, polarity and unit) and its monthly points query; the whole authority's from
    # the per-version copies of its latest figures and its series.
    if team == AUTHORITY_TEAM:
        figures, points = latest_figures(snap, as_at, team), authority_series(snap, as_at)
    else:
        figures, points = _team_rows(snap, as_at, (team,)), None
    return read_all(snap, as_at, team, figures, points, _rebase_dates(snap))


@per_version
def _variations(snap: Snapshot, as_at: date, team: str) -> dict[str, str | None]:
    """A team's SPC variation of every measure (analysis.variations: the readings' own,
    without their forecasts and words, which a table of variations does not show)."""
    from .analysis import variations

    return variations(snap, as_at, team, _team_rows(snap, as_at, (team,)), None, _rebase_dates(snap))


def readings(snap: Snapshot, as_at: date, team: str = AUTHORITY_TEAM) -> dict:
    """SPC variation, assurance, forecast and narrative for each measure (see analysis.py)."""
    return dict(_readings(snap, as_at, team))


def measure_reading(snap: Snapshot, measure_id: str, as_at: date, team: str, method: str):
    """One measure's reading for one team (or the authority) by the chosen SPC method."""
    from .analysis import baseline_points, read_measure

    figures = latest_figures(snap, as_at, team)
    row = figures[figures["measure_id"] == measure_id]
    if row.empty:
        return None
    f = row.iloc[0].to_dict()
    points = snap.query("monthly_points", teams=[team], as_at=as_at, measure_id=measure_id)
    points = points.assign(period_type="month")
    rebase = snap.query("spc_rebase")
    dates = list(rebase.loc[rebase["measure_id"] == measure_id, "rebase_date"])
    target_date = _date(f["target_date"])
    # The plan's fixed baseline (measures.csv spc_baseline_points), as the cards read it;
    # as_at, so the reading says whether its latest figure is stale.
    return read_measure(f, points, f["target"], target_date, dates, team, method,
                        baseline_points=baseline_points(snap).get(measure_id), as_at=as_at)


def measure_words(snap: Snapshot, measure_id: str, as_at: date, team: str, method: str) -> dict | None:
    """The Measures page's honest readings of one measure, in words (honest_words, as the
    Overview card says them) for the reading the page shows; None without a figure."""
    figures = latest_figures(snap, as_at, team)
    row = figures[figures["measure_id"] == measure_id]
    if row.empty:
        return None
    return honest_words(snap, row.iloc[0].to_dict(), measure_reading(snap, measure_id, as_at, team, method),
                        as_at, team)


def chart_rebase_preview(snap: Snapshot, measure_id: str, as_at: date, team: str, method: str):
    """The SPC chart with its limits restarted at the suggested rebase date (spc.restarted):
    what accepting the suggestion would show, before the row is added to spc_rebase.csv.
    None when nothing is suggested."""
    from . import charts, spc
    from .formatting import month_label

    reading = measure_reading(snap, measure_id, as_at, team, method)
    if reading is None or reading.spc is None or reading.suggested_rebase_date is None:
        return None
    preview = spc.restarted(reading.spc, reading.suggested_rebase_date)
    fc = reading.forecast
    label = ("p′" if method == "p_prime" else "XmR") + f", limits restarted from {month_label(reading.suggested_rebase_date)}"
    return charts.spc_chart(_measure(snap, measure_id), preview, as_at, preview.target,
                            fc.target_date if fc is not None else None, label)


SPARKLINE_POINTS = 24


@dataclass(frozen=True)
class CardReading:
    """What a card shows of a measure's reading: the SPC words, the narrative and the
    honest readings that do not depend on the exact as-at day (the full reading, with its
    chart arrays, would make every cached card set ~0.5 MB to copy). `stale` is not here:
    the card works it out from its figure's period end and the as-at date."""

    variation: str | None
    assurance: str | None
    narrative: str
    assurance_withheld: str | None = None
    suggested_rebase_date: date | None = None
    baseline_note: str | None = None

    @classmethod
    def of(cls, reading) -> "CardReading | None":
        if reading is None:
            return None
        return cls(reading.variation, reading.assurance, reading.narrative, reading.assurance_withheld,
                   reading.suggested_rebase_date, reading.baseline_note)


def card_readings(snap: Snapshot, as_at: date, team: str = AUTHORITY_TEAM) -> dict[str, "CardReading"]:
    """measure_id -> what its card shows of its reading at as_at. The whole authority's is
    read at the latest month end on or before as_at, as its figures are chosen (the
    authority_latest mart), so every day of a month shares one reading, worked out once per
    database version and month; a team's, or any date before the first month end, at as_at."""
    if team == AUTHORITY_TEAM:
        month = _authority_month(snap, as_at)
        if month is not None:
            return _authority_card_readings(snap, month)
    return {m: CardReading.of(r) for m, r in _readings(snap, as_at, team).items()}


@per_version
def _authority_card_readings(snap: Snapshot, month_end: date) -> dict[str, "CardReading"]:
    # Computed when read rather than stored at load: the SPC rules are Python, and a stored
    # copy would tie every database to the exact code that built it. It costs ~15-20 ms of
    # CPU for 40 measures at 1m extract rows, once per month shown (storing every month cost
    # each load ~2.5 s). The full readings are not kept (uncached): their chart arrays would
    # make each month ~0.5 MB in the cache.
    return {m: CardReading.of(r) for m, r in _readings.uncached(snap, month_end, AUTHORITY_TEAM).items()}


def headline_cards(snap: Snapshot, as_at: date, team: str = AUTHORITY_TEAM) -> list[dict]:
    """Everything an overview card shows, as display text: built once per database
    version and as-at date, so a page rerun only renders."""
    from .formatting import format_change, format_value, period_label, target_label

    figures = latest_figures(snap, as_at, team)
    series = authority_series(snap, as_at) if team == AUTHORITY_TEAM else None
    spark = {}
    if series is not None and not series.empty:
        # authority_series is ordered by measure, period type and date: the last points of
        # each run are its sparkline.
        # Runs found with numpy (a Python loop over every point cost ~6 ms at 40 measures).
        measure_ids = series["measure_id"].to_numpy(object)
        period_types = series["period_type"].to_numpy(object)
        values = series["value"].round(1).to_numpy(float)
        cuts = np.flatnonzero((measure_ids[1:] != measure_ids[:-1]) | (period_types[1:] != period_types[:-1])) + 1
        starts, ends = np.r_[0, cuts].tolist(), np.r_[cuts, len(values)].tolist()
        # A sparkline has no dates, so it cannot show a gap: a monthly one starts after the
        # last missing month instead of joining across it (Oct 2019 to Sep 2020 as if adjacent).
        months = series["period_end"].dt.year.to_numpy() * 12 + series["period_end"].dt.month.to_numpy()
        after_gap = np.r_[False, (np.diff(months) > 1) & (period_types[1:] == "month")]
        gap_at = np.flatnonzero(after_gap)

        def first(a: int, b: int) -> int:
            inside = gap_at[(gap_at > a) & (gap_at < b)]
            return max(a, b - SPARKLINE_POINTS, int(inside[-1]) if inside.size else a)

        spark = {(measure_ids[a], period_types[a]): values[first(a, b):b].tolist() for a, b in zip(starts, ends)}
    found = card_readings(snap, as_at, team)
    cards = []
    for f in figures.to_dict("records"):
        period = period_label(_date(f["latest_period_end"]), f["period_type"])
        has_previous = f["previous_value"] is not None and not pd.isna(f["previous_value"])
        has_target = f["target"] is not None and not pd.isna(f["target"])
        points = spark.get((f["measure_id"], f["period_type"]), [])
        reading = found.get(f["measure_id"])
        cards.append({
            "measure_id": f["measure_id"], "name": f["name"], "unit": f["unit"], "polarity": f["polarity"],
            "value": format_value(f["latest_value"], f["unit"]), "period": period,
            "change": format_change(f["change"], f["unit"]) if has_previous else None,
            # Blue for better, orange for worse (colour-blind safe; the arrow and sign say it too).
            "delta_colour": ("gray" if not has_previous or f["change"] == 0 or f["polarity"] == "neutral" else
                             "orange" if f["worsening"] else "blue"),
            "since": period_label(_date(f["previous_period_end"]), f["period_type"]) if has_previous else None,
            "target": target_label(f["target"], f["unit"], _date(f["target_date"])) if has_target else "No target set",
            "sparkline": points if len(points) > 1 else None,
            "reading": reading,
        } | honest_words(snap, f, reading, as_at, team))
    return cards


@per_version
def _authority_targets(snap: Snapshot, measure_id: str, polarity: str,
                       unit: str) -> tuple[list, list[tuple[date, float]], list[str]]:
    """Every authority target of a measure with its outturn (analysis.passed_targets as if
    every target had passed), its (date, target) pairs and each one's outturn in words, once
    per database version: a target's outturn reads only figures up to its own date, so the
    passed targets at any as-at date are those dated before it (worked out per card, this
    was ~3 ms a measure; wording them per card, ~5 ms a month at 1m rows)."""
    from .analysis import passed_targets

    targets = measure_targets(snap, measure_id)
    if not len(targets):
        return [], [], []
    series = _per_measure(snap, "authority_figures", measure_id)
    # pandas' last date stands for "every target has passed" (date.max is beyond it).
    every = passed_targets(series, targets, polarity, pd.Timestamp.max.date(), "authority")
    return every, [(p.target_date, p.target) for p in every], [p.words(unit) for p in every]


def honest_words(snap: Snapshot, figure: dict, reading, as_at: date, team: str = AUTHORITY_TEAM) -> dict:
    """What a card (and the Measures page) says of a measure's honest readings
    (data-contract.md), in words, from analysis.py's rules and wording:
    status: 'Met', or 'Met in Oct 2019 (12 months old)' for a stale figure (never plainly
        'Met' or 'Not met'); stale: 'Oct 2019 figure, 12 months old' or None;
    assurance_withheld: the sentence shown instead of an assurance badge, or None;
    rebase / rebase_row: the suggested restart of the limits and the spc_rebase.csv row;
    team_range: 'Teams range from 71.4% to 97.2%' for the figure's own period, or None;
    passed_target: the latest target whose date has passed, as its outturn; next_target:
        the target after it (None when the card's own target is that one already).
    `figure`: a latest_figures row; `reading`: a MeasureReading or CardReading (or None)."""
    from .analysis import passed_targets, rebase_suggestion, stale_words, status_words, upcoming_target, withheld_words
    from .formatting import format_value, target_label

    end, kind, unit = _date(figure["latest_period_end"]), figure["period_type"], figure["unit"]
    status = figure.get("status")
    status = status if isinstance(status, str) else None
    suggestion = rebase_suggestion(figure["measure_id"], reading.suggested_rebase_date if reading else None)
    low, high = figure.get("team_min"), figure.get("team_max")
    has_range = low is not None and high is not None and not pd.isna(low) and not pd.isna(high)
    # The passed targets of the series shown: the authority's own figures, or the team's.
    targets = measure_targets(snap, figure["measure_id"])
    if team == AUTHORITY_TEAM:
        every, dates, said = _authority_targets(snap, figure["measure_id"], figure["polarity"], unit)
        passed = [p for p in every if p.target_date < as_at]
        passed_words = said[:len(passed)]  # every target is in date order
        upcoming = next(((d, t) for d, t in dates if d >= as_at), None)
    else:
        shown = measure_series(snap, figure["measure_id"], as_at, (team,))
        shown = shown[shown["team_id"] == team]
        passed = passed_targets(shown, targets, figure["polarity"], as_at, "team") if len(targets) else []
        passed_words = [p.words(unit) for p in passed]
        upcoming = upcoming_target(targets, as_at, "team") if len(targets) else None
    own_date = _date(figure.get("target_date"))
    return {
        "status": (status_words(status, end, kind, as_at) if end is not None else None) if status else "",
        "stale": stale_words(end, kind, as_at) if end is not None else None,
        "assurance_withheld": withheld_words(reading.assurance_withheld) if reading else None,
        "rebase": suggestion.sentence if suggestion else None,
        "rebase_row": suggestion.csv_row if suggestion else None,
        "team_range": (f"Teams range from {format_value(low, unit)} to {format_value(high, unit)}"
                       if has_range else None),
        "passed_targets": passed_words,
        "passed_target": passed_words[-1] if passed_words else None,
        "next_target": (target_label(upcoming[1], unit, upcoming[0])
                        if upcoming is not None and upcoming[0] != own_date else None),
    }


SPECIAL_CAUSES = ("special_cause_improvement", "special_cause_concern", "special_cause_neutral")


def _first_sentence(narrative: str) -> str:
    """The narrative's first clause (the variation and the signal behind it), as a sentence:
    spc.spc_sentence joins its parts with '; ' and its later sentences with '. '."""
    cut = min((i for i in (narrative.find("; "), narrative.find(". ")) if i >= 0), default=len(narrative))
    return narrative[:cut].rstrip(".") + "."


def what_changed(snap: Snapshot, as_at: date, team: str = AUTHORITY_TEAM) -> list[dict]:
    """The measures whose special cause is new this month, one sentence each: the latest
    reading shows special cause and the reading at the previous month end did not show the
    same (a shift that has run for months is no change this month, and a stale figure reads
    the same as the month before). [{"measure_id", "name", "sentence"}], in plan order."""
    now = card_readings(snap, as_at, team)
    before_month = pd.Timestamp(as_at).replace(day=1).date() - timedelta(days=1)
    before = card_readings(snap, before_month, team)
    figures = latest_figures(snap, as_at, team)
    out = []
    for mid, name in zip(figures["measure_id"].tolist(), figures["name"].tolist()):
        reading, earlier = now.get(mid), before.get(mid)
        if reading is None or reading.variation not in SPECIAL_CAUSES:
            continue
        if earlier is not None and earlier.variation == reading.variation:
            continue
        out.append({"measure_id": mid, "name": name, "sentence": _first_sentence(reading.narrative)})
    return out


def attention_table(snap: Snapshot, as_at: date, team: str = AUTHORITY_TEAM) -> pd.DataFrame:
    """The needs-attention list as the overview shows it."""
    from .formatting import format_value, period_label, target_label

    from .analysis import stale_words

    flagged = needs_attention(latest_figures(snap, as_at, team))
    why = []
    for reason, target_date, end, kind in zip(flagged["reason"], flagged["target_date"],
                                              flagged["latest_period_end"], flagged["period_type"]):
        # A target whose date has passed is no longer "the next target"; an old figure says its age.
        when = _date(target_date)
        if when is not None and when < as_at:
            reason = reason.replace("not meeting the next target", f"did not meet the {period_label(when, 'month')} target")
        old = stale_words(_date(end), kind, as_at)
        why.append(f"{reason}; {old}" if old else reason)
    return pd.DataFrame({
        "Measure": flagged["name"],
        "Latest": [format_value(v, u) for v, u in zip(flagged["latest_value"], flagged["unit"])],
        "Period": [period_label(_date(d), p) for d, p in zip(flagged["latest_period_end"], flagged["period_type"])],
        "Target": [target_label(t, u, _date(d)) if not pd.isna(t) else "–"
                   for t, u, d in zip(flagged["target"], flagged["unit"], flagged["target_date"])],
        "Why": why,
    })


# --- Charts as the pages show them -------------------------------------------------------
# Built from the snapshot and cached by the dashboard per database version and arguments
# (webapp.PageContext.chart), so a rerun that changes nothing about a chart does not build
# its figure again.

@per_version
def _measure_rows(snap: Snapshot) -> dict[str, dict]:
    return {r["measure_id"]: r for r in _per_version(snap, "measures").to_dict("records")}


def _measure(snap: Snapshot, measure_id: str) -> dict:
    return dict(_measure_rows(snap)[measure_id])


def chart_trend(snap: Snapshot, measure_id: str, as_at: date, team_ids: tuple[str, ...] = ()):
    """A measure's trend against its targets for the authority and the chosen teams."""
    from . import charts

    names = _team_names(snap) if team_ids else {}
    return charts.trend_chart(_measure(snap, measure_id), measure_series(snap, measure_id, as_at, tuple(team_ids)),
                              measure_targets(snap, measure_id), measure_benchmarks(snap, measure_id, as_at),
                              list(team_ids), as_at, names)


def chart_league(snap: Snapshot, measure_id: str, period_end: date, period_type: str, as_at: date,
                 chosen: tuple[str, ...] = ()):
    """Every team ranked for one measure and period, with the team target; the chosen
    teams (the sidebar's scope) stand out."""
    from . import charts
    from .formatting import period_label

    measure = _measure(snap, measure_id)
    table = league(snap, measure_id, period_end, period_type, measure["polarity"])
    return charts.league_chart(measure, table, period_label(period_end, period_type), as_at, chosen)


def chart_heatmap(snap: Snapshot, measure_id: str, as_at: date, team_ids: tuple[str, ...], months: int = 12):
    """The chosen teams by month for one measure over the last `months` months (None when
    they have no monthly figures)."""
    from . import charts

    names = _team_names(snap)
    # The teams' whole monthly series, read once and cut at as_at (in date order: one
    # slice); heatmap_chart keeps the most recent months of what it is given.
    every = _team_monthly_series(snap, measure_id, tuple(team_ids))
    return charts.heatmap_chart(_measure(snap, measure_id), _up_to(every, as_at),
                                {t: names[t] for t in team_ids}, as_at, months)


@per_version
def _team_monthly_series(snap: Snapshot, measure_id: str, team_ids: tuple[str, ...]) -> pd.DataFrame:
    return snap.query("team_monthly_series", measure_id=measure_id, teams=list(team_ids))


def chart_ratings(snap: Snapshot, rec_id: str, as_at: date):
    """A recommendation's implementation and impact ratings over time."""
    from . import charts

    return charts.rating_timeline_chart(rec_id, rating_history(snap, rec_id, as_at), as_at)

