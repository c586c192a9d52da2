"""The peer for the dashboard benchmarks: a straightforward pandas overview that re-reads
every CSV on each rerun (what a first dashboard usually does). Not part of the product.

Reads $PEER_PLAN_DIR and $PEER_DATA_DIR; shows RAG counts at the as-at month and each
measure's latest authority figure against its next target.
"""
import os
from pathlib import Path

import pandas as pd
import streamlit as st

plan_dir, data_dir = Path(os.environ["PEER_PLAN_DIR"]), Path(os.environ["PEER_DATA_DIR"])
extracts = pd.concat([pd.read_csv(p, dtype={"team_id": str}) for p in sorted(data_dir.glob("*.csv"))])
extracts["team_id"] = extracts["team_id"].fillna("ALL")
extracts["period_end"] = pd.to_datetime(extracts["period_end"])
ratings = pd.read_csv(plan_dir / "ratings.csv", parse_dates=["as_at"])
measures = pd.read_csv(plan_dir / "measures.csv")
targets = pd.read_csv(plan_dir / "targets.csv", parse_dates=["target_date"])

months = sorted(extracts["period_end"].unique(), reverse=True)
as_at = st.selectbox("As at", months, key="as_at")
current = ratings[ratings["as_at"] <= as_at].sort_values("as_at").groupby("rec_id").tail(1)
st.write(current["implementation"].value_counts().to_dict(), current["impact"].value_counts().to_dict())
auth = extracts[(extracts["team_id"] == "ALL") & (extracts["period_end"] <= as_at)]
latest = auth.sort_values("period_end").groupby("measure_id").tail(1).merge(measures, on="measure_id")
rows = []
for r in latest.itertuples():
    t = targets[(targets["measure_id"] == r.measure_id) & (targets["target_date"] >= r.period_end)]
    target = t.sort_values("target_date")["target"].iloc[0] if len(t) else None
    rows.append({"measure": r.name, "latest": r.value, "target": target})
st.dataframe(pd.DataFrame(rows))
