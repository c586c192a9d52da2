"""What the sample plan (cip_data/) and extracts (data/) say, read with pandas straight
from the CSVs, so the browser tests check the pages against the source files rather
than against the dashboard's own queries."""
from __future__ import annotations

import tomllib
from datetime import date

import pandas as pd

from browserkit import ROOT

PLAN_DIR, DATA_DIR = ROOT / "cip_data", ROOT / "data"
RAG_NAMES = {"G": "Green", "A": "Amber", "R": "Red"}


def plan_name() -> str:
    return tomllib.loads((PLAN_DIR / "plan.toml").read_text(encoding="utf-8"))["name"]


def ratings() -> pd.DataFrame:
    return pd.read_csv(PLAN_DIR / "ratings.csv", dtype=str, keep_default_na=False, parse_dates=["as_at"])


def recommendations() -> pd.DataFrame:
    return pd.read_csv(PLAN_DIR / "recommendations.csv", dtype=str, keep_default_na=False)


def measures() -> pd.DataFrame:
    return pd.read_csv(PLAN_DIR / "measures.csv", dtype=str, keep_default_na=False)


def teams() -> pd.DataFrame:
    return pd.read_csv(PLAN_DIR / "teams.csv", dtype=str, keep_default_na=False)


def team_names() -> dict[str, str]:
    t = teams()
    return dict(zip(t["team_id"], t["team_name"]))


def extracts() -> pd.DataFrame:
    frames = [pd.read_csv(p, dtype={"team_id": str}) for p in sorted(DATA_DIR.glob("*.csv"))]
    out = pd.concat(frames, ignore_index=True)
    out["period_end"] = pd.to_datetime(out["period_end"])
    return out


def latest_month() -> date:
    return extracts()["period_end"].max().date()


def ratings_at(as_at: date) -> pd.DataFrame:
    """Each recommendation's latest rating row on or before as_at."""
    r = ratings()
    r = r[r["as_at"] <= pd.Timestamp(as_at)].sort_values("as_at")
    return r.groupby("rec_id").tail(1)


def rag_sentence(as_at: date, kind: str) -> str:
    """"6 Green, 2 Amber": counts in the order Green, Amber, Red, zeros left out."""
    counts = ratings_at(as_at)[kind].value_counts()
    parts = [f"{counts[c]} {RAG_NAMES[c]}" for c in ("G", "A", "R") if counts.get(c, 0)]
    return ", ".join(parts) if parts else "No ratings yet"


def month_label(d: date) -> str:
    return pd.Timestamp(d).strftime("%b %Y")


def measure_label(measure_id: str) -> str:
    """The Measures page's option text: "<first recommendation> · <name>"."""
    m = measures().set_index("measure_id").loc[measure_id]
    first = m["rec_id"].split(";")[0]
    return f"{first} · {m['name']}" if first else m["name"]


def busiest_service_area(as_at: date) -> str:
    """The service area whose teams have the most figures on or before as_at (a team's
    latest figure per measure counts once), read from the CSVs with pandas."""
    rows = extracts()
    has_figure = rows["value"].notna() | (rows["numerator"].notna() & rows["denominator"].notna())
    team = rows["team_id"].notna() & (rows["team_id"] != "ALL")
    rows = rows[team & (rows["period_end"] <= pd.Timestamp(as_at)) & has_figure]
    pairs = rows[["team_id", "measure_id"]].drop_duplicates()
    areas = teams().set_index("team_id")["service_area"]
    counts = pairs["team_id"].map(areas).value_counts()
    best = counts.max()
    return sorted(a for a, n in counts.items() if n == best)[0]
