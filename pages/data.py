"""Data: what is loaded, the load log, revisions, and uploading new extracts."""
import streamlit as st

from cipdash import uploads
from cipdash.errors import LoadFailed
from cipdash.store import resolve_db
from cipdash.views.data import data_view, problems_table
from cipdash.webapp import md_text, page_context, phone_columns, show_table
from cipdash import access, admin, audit
from cipdash.webapp import record, record_upload, require

AUDIT_ROWS_SHOWN = 500


def upload_section():
    st.subheader("Upload extracts")
    plan_dir, data_dir = uploads.folders()
    st.caption(f"Files are checked with everything already in the extracts folder, as the next monthly load "
               f"will see them, and loaded only if every file is valid. Accepted files are kept in the extracts "
               f"folder. CSV only, up to {uploads.MAX_UPLOAD_MB} MB each.")
    # An upload a crash left half-done is finished or undone before anything is shown.
    uploads.recover_pending(resolve_db(), data_dir)
    done = st.session_state.pop("upload_done", None)
    if done:
        st.success(md_text(done))
    # A fresh uploader after a successful load, so the loaded files are not offered again.
    round_ = st.session_state.setdefault("upload_round", 0)
    files = st.file_uploader("Extract CSV files", type=["csv"], accept_multiple_files=True,
                             key=f"upload-{round_}", max_upload_size=uploads.MAX_UPLOAD_MB)
    if not files:
        return
    db_path = resolve_db()
    check = uploads.check_upload([(f.name, f.getvalue()) for f in files], plan_dir, data_dir, db_path)
    errors = [p for p in check.problems if p.severity == "error"]
    if errors:
        st.error(f"{len(errors)} problem(s) found. Nothing was loaded; fix the files and upload them again.")
    if check.problems:
        with st.container(key="upload-problems-box"):  # a class the browser tests find it by
            problems = problems_table(check.problems)
            st.dataframe(problems, hide_index=True, key="upload-problems", column_config=phone_columns(problems))
    if not check.ok:
        return
    # An upload that would withdraw figures or empty a file says so, with the counts, and
    # writes nothing until confirmed.
    (st.warning if check.needs_confirmation else st.success)(md_text(uploads.check_note(check)))
    clicked = st.button(uploads.button_label(check), type="primary", key="apply-upload")
    if clicked:
        waiting = st.empty()
        try:
            outcome = uploads.apply_upload(check, plan_dir, data_dir, db_path,
                                           confirmed_withdrawals=uploads.confirmed_count(check),
                                           on_wait=lambda: waiting.info(uploads.WAITING))
        except uploads.NeedsConfirmation as changed:
            waiting.empty()
            record_upload(check, failure="not confirmed: " + str(changed))
            st.warning(md_text(str(changed)))
            return
        except LoadFailed as failed:
            waiting.empty()
            record_upload(check, failure=f"load failed: {len(failed.problems)} problem(s)")
            st.error("The load failed; nothing was changed.")
            problems = problems_table(failed.problems)
            st.dataframe(problems, hide_index=True, column_config=phone_columns(problems))
            return
        except OSError as exc:  # a full disk, a read-only folder: put right, and said plainly
            waiting.empty()
            record_upload(check, failure=f"could not be written: {exc.strerror or exc}")
            st.error(md_text(uploads.failure_message(exc)))
            return
        record_upload(check, outcome)
        st.session_state["upload_done"] = outcome.message()
        st.session_state["upload_round"] = round_ + 1
        st.rerun()


def details_section(ctx):
    """Administrators only: where each file is, its sha256, the access list's problems, the audit log."""
    if not ctx.grant.allows(access.FILE_DETAILS):
        return
    plan_dir, data_dir = uploads.folders()
    st.subheader("Files and folders")
    st.caption("Administrators only. Every file the dashboard reads or writes, with its SHA-256.")
    details = admin.file_details(plan_dir, data_dir, resolve_db(), audit.audit_path())
    st.dataframe(details, hide_index=True, key="file-details", column_config=phone_columns(details))
    problems = admin.access_problems(plan_dir)
    if not problems.empty:
        st.warning("The access list (access.csv) has problems: rows with errors grant nothing.")
        st.dataframe(problems, hide_index=True, key="access-problems", column_config=phone_columns(problems))
    st.subheader("Audit log")
    try:
        entries = audit.entries()
    except audit.AuditUnavailable as exc:
        st.error(str(exc))
        return
    st.caption(f"Sign-ins, refusals, uploads, loads and exports, newest first ({len(entries):,} in all; "
               f"the latest {AUDIT_ROWS_SHOWN} shown). The log cannot be changed, only added to.")
    audit_rows = admin.audit_table(entries[:AUDIT_ROWS_SHOWN])
    st.dataframe(audit_rows, hide_index=True, key="audit-log", column_config=phone_columns(audit_rows))
    if st.button("Prepare the audit log as a CSV file", key="audit-prepare"):
        # Reading the whole log is itself recorded before the file is handed over.
        record(audit.AUDIT_EXPORT, "ok", ctx.grant, rows=len(entries))
        st.session_state["audit_csv"] = audit.entries_csv(audit.entries())
    if st.session_state.get("audit_csv"):
        st.download_button("Download the audit log (CSV)", data=st.session_state["audit_csv"],
                           file_name="INTERNAL_audit-log.csv", mime="text/csv", key="audit-download",
                           on_click="ignore")


def data_page():
    # Uploads, loads and file details: the performance team and administrators only,
    # checked here on the server whatever the menu shows.
    require(access.UPLOAD)
    ctx = page_context()
    st.title("Data")
    shown = ctx.view(data_view)
    st.subheader("What is loaded")
    show_table(shown.coverage, key="coverage")
    st.subheader("Load log")
    show_table(shown.load_log, key="load-log")
    st.subheader("Revisions")
    st.caption(shown.revisions_note)
    if shown.revisions is not None:
        st.dataframe(shown.revisions, hide_index=True, key="revisions",
                     column_config=phone_columns(shown.revisions))
    # Before the uploader, so that the upload's own messages and problem list stay last on
    # the page, where the person uploading is looking.
    details_section(ctx)
    upload_section()


data_page()
