"""Data: what is loaded, the load log, revisions, and uploading new extracts."""
import pandas as pd
import streamlit as st

from cipdash import queries, uploads
from cipdash.errors import LoadFailed
from cipdash.store import resolve_db
from cipdash.formatting import plural
from cipdash.webapp import md_text, page_context, show_table


def upload_section():
    st.subheader("Upload extracts")
    plan_dir, data_dir = uploads.folders()
    st.caption(f"Files are checked with everything already in the extracts folder, as the next monthly load "
               f"will see them, and loaded only if every file is valid. Accepted files are kept in the extracts "
               f"folder. CSV only, up to {uploads.MAX_UPLOAD_MB} MB each.")
    done = st.session_state.pop("upload_done", None)
    if done:
        st.success(done)
    # A fresh uploader after a successful load, so the loaded files are not offered again.
    round_ = st.session_state.setdefault("upload_round", 0)
    files = st.file_uploader("Extract CSV files", type=["csv"], accept_multiple_files=True,
                             key=f"upload-{round_}", max_upload_size=uploads.MAX_UPLOAD_MB)
    if not files:
        return
    check = uploads.check_upload([(f.name, f.getvalue()) for f in files], plan_dir, data_dir)
    errors = [p for p in check.problems if p.severity == "error"]
    warnings = [p for p in check.problems if p.severity == "warning"]
    if errors:
        st.error(f"{len(errors)} problem(s) found. Nothing was loaded; fix the files and upload them again.")
    if check.problems:
        st.dataframe(pd.DataFrame([p.as_row() for p in check.problems]), hide_index=True, key="upload-problems")
    if not check.ok:
        return
    note = f"{len(check.files)} file(s) are valid"
    if warnings:
        note += f" ({len(warnings)} warning(s) above)"
    if check.replaces:
        note += ". These replace files of the same name (the old ones are kept): " + ", ".join(check.replaces)
    st.success(md_text(note + "."))
    if st.button("Load these files", type="primary", key="apply-upload"):
        try:
            result = uploads.apply_upload(check, plan_dir, data_dir, resolve_db())
        except LoadFailed as failed:
            st.error("The load failed; nothing was changed.")
            st.dataframe(pd.DataFrame([p.as_row() for p in failed.problems]), hide_index=True)
            return
        if result.changed:
            done = (f"Loaded: {plural(result.rows_added, 'new figure')}, {result.rows_revised:,} revised "
                    f"(earlier values kept), {result.rows_unchanged:,} unchanged.")
        else:
            done = "These files hold nothing new: the database already has exactly these figures."
        st.session_state["upload_done"] = done
        st.session_state["upload_round"] = round_ + 1
        st.rerun()


def data_page():
    ctx = page_context()
    st.title("Data")
    st.subheader("What is loaded")
    show_table(ctx.get(queries.coverage_table), key="coverage")
    st.subheader("Load log")
    show_table(ctx.get(queries.load_log_table), key="load-log")
    st.subheader("Revisions")
    revisions = ctx.get(queries.revisions_table)
    if revisions.empty:
        st.caption("No figure has been restated by a later load yet.")
    else:
        st.caption("Figures a later extract restated: the earlier value, its file and when it was loaded.")
        st.dataframe(revisions, hide_index=True, key="revisions")
    upload_section()


data_page()
