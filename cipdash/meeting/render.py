"""The meeting record on the dashboard's pages: one call per page.

    meeting_panel(ctx, measure_id=...)     # Measures: the month's commentary and the actions
    meeting_panel(ctx, rec_id=...)         # Recommendation: the same, plus rating updates
    open_actions_panel(ctx)                # Overview: open actions, overdue first

Text people wrote is shown escaped (webapp.md_text), never as HTML or Markdown. Writes
happen in the forms' callbacks, which Streamlit runs before the page reruns, so what was
just written is on the page the moment it reappears. If the store cannot be reached
(PostgreSQL down), the page keeps its figures and says the record is unavailable.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import streamlit as st

from ..formatting import month_label
from ..webapp import md_paragraphs, md_text
from .identity import NOT_SIGNED_IN, current_author, needs_typed_name
from .store import (MAX_TEXT, BadRecord, EditConflict, MeetingStore, NotFound, StoreUnavailable, engine_of,
                    resolve_state)
from .views import UNAVAILABLE, actions_frame, month_key, open_actions, status_words, when

AUTHOR_KEY = "meeting-author-name"
STATUS_CHOICES = {"open": "Open", "done": "Done", "dropped": "Dropped"}
RAG_CHOICES = {"G": "Green", "A": "Amber", "R": "Red"}


def _store() -> MeetingStore | None:
    """The store for reading. A SQLite record that does not exist yet is not created by
    viewing a page (only by the first thing written): it reads as empty."""
    target = resolve_state()
    try:
        if engine_of(target) == "sqlite" and not Path(target).exists():
            return MeetingStore(target, migrate=False)
        return MeetingStore(target)
    except StoreUnavailable as exc:
        _unavailable(str(exc))
        return None


def _not_written_yet(store: MeetingStore) -> bool:
    return store.engine == "sqlite" and not Path(store.target).exists()


def _unavailable(reason: str) -> None:
    st.warning(f"{UNAVAILABLE}: the figures above are unaffected, but commentary and actions cannot be shown "
               "or added just now.", icon=":material/cloud_off:")
    st.caption(md_text(reason))


def _grant(ctx):
    return getattr(ctx, "grant", None)


def may_write(ctx) -> bool:
    """Commentary and actions: the roles access.py allows (viewers read only; the local user
    acts as administrator when there is no sign-in)."""
    from .. import access

    grant = _grant(ctx)
    return grant is None or grant.allows(access.WRITE_RECORD)


def may_change_plan(ctx) -> bool:
    """Appending an agreed rating to ratings.csv: the roles access.py lets change the plan."""
    from .. import access

    grant = _grant(ctx)
    return grant is None or grant.allows(access.CHANGE_PLAN)


def _flash(key: str, kind: str, text: str) -> None:
    st.session_state[f"{key}-flash"] = (kind, text)


def _show_flash(key: str) -> None:
    found = st.session_state.pop(f"{key}-flash", None)
    if found:
        kind, text = found
        (st.success if kind == "success" else st.error)(md_text(text))


def _author() -> str:
    author = current_author(st.session_state.get(AUTHOR_KEY))
    if author is None:
        raise BadRecord("author", "type your name first (you are not signed in)")
    return author


def _author_box() -> None:
    if needs_typed_name():
        st.text_input(f"Your name, recorded with what you write {NOT_SIGNED_IN}", key=AUTHOR_KEY, max_chars=120,
                      help="Nobody is signed in on this dashboard, so the record keeps the name you type, "
                           "marked as not signed in.")


def _write(key: str, action, success: str, permission: str | None = None) -> None:
    """Run a write from a form's callback; the outcome is shown above the form on the rerun.
    The role is checked again here, on the server, whatever the page showed: a request
    made without the form is refused and recorded like any other."""
    from .. import access, audit
    from ..gate import check, who

    permission = permission or access.WRITE_RECORD
    found = check()
    if found.grant is None or not found.grant.allows(permission):
        role = found.grant.role if found.grant is not None else "none"
        try:
            audit.record(audit.DENIED, "refused", who(), role, attempted=permission)
        except Exception:  # the refusal stands whether or not it could be recorded
            pass
        _flash(key, "error", f"Not saved: your role does not allow this ({permission}).")
        return
    store = _store_quiet()
    if store is None:
        _flash(key, "error", f"{UNAVAILABLE}: nothing was saved.")
        return
    try:
        action(store)
    except BadRecord as exc:
        _flash(key, "error", f"Not saved: {exc}" + (f" ({exc.hint})" if exc.hint else ""))
    except (EditConflict, NotFound) as exc:
        _flash(key, "error", f"Not saved: {exc}")
    except StoreUnavailable as exc:
        _flash(key, "error", f"{UNAVAILABLE}: nothing was saved ({exc}).")
    else:
        _flash(key, "success", success)


def _store_quiet() -> MeetingStore | None:
    try:
        return MeetingStore(resolve_state())
    except StoreUnavailable:
        return None


# --- commentary --------------------------------------------------------------------------------

def _add_note(key: str, month: str, measure_id, rec_id) -> None:
    text = st.session_state.get(f"{key}-new-note", "")
    _write(key, lambda s: s.add_note(author=_author(), text=text, month=month, measure_id=measure_id, rec_id=rec_id),
           "Commentary saved.")


def _edit_note(key: str, note_id: int, revision: int, field: str) -> None:
    text = st.session_state.get(field, "")
    _write(key, lambda s: s.edit_note(note_id, author=_author(), text=text, revision=revision),
           "Commentary updated; the earlier text is kept in its history.")


def _note(key: str, note: dict, writable: bool) -> None:
    with st.container(border=True):
        st.caption(md_text(f"{note['author']} · {when(note['written_at'])}"
                           + (f" · edited (first written {when(note['created_at'])} by {note['created_by']})"
                              if note["revision"] > 1 else "")))
        st.markdown(md_paragraphs(note["text"]))
        if note.get("history"):
            with st.expander(f"Earlier versions ({len(note['history'])})"):
                for old in note["history"]:
                    st.caption(md_text(f"{old['author']} · {when(old['written_at'])} · replaced by "
                                       f"{old['replaced_by']} on {when(old['replaced_at'])}"))
                    st.markdown(md_paragraphs(old["text"]))
        if writable:
            with st.expander("Edit this commentary"):
                field = f"{key}-edit-{note['id']}-{note['revision']}"
                with st.form(f"{field}-form", border=False):
                    st.text_area("Commentary", value=note["text"], key=field, max_chars=MAX_TEXT, height=150)
                    st.form_submit_button("Save the edit", on_click=_edit_note,
                                          args=(key, note["id"], note["revision"], field))


def _commentary(key: str, notes: list[dict], month: str, as_at: date, measure_id, rec_id, writable: bool) -> None:
    st.subheader(f"Commentary, {month_label(as_at)}")
    for note in notes:
        _note(key, note, writable)
    if not notes:
        st.caption(f"No commentary for {month_label(as_at)} yet.")
    if writable:
        with st.form(f"{key}-add-note-form", clear_on_submit=True):
            st.text_area("Add commentary: what the figure means, its reason, what is being done",
                         key=f"{key}-new-note", max_chars=MAX_TEXT, height=120)
            st.form_submit_button("Save commentary", on_click=_add_note, args=(key, month, measure_id, rec_id))


# --- actions -----------------------------------------------------------------------------------

def _add_action(key: str, measure_id, rec_id) -> None:
    state = st.session_state
    _write(key, lambda s: s.add_action(author=_author(), text=state.get(f"{key}-action-text", ""),
                                       owner=state.get(f"{key}-action-owner", ""),
                                       due=state.get(f"{key}-action-due") or "", measure_id=measure_id,
                                       rec_id=rec_id),
           "Action saved.")


def _update_action(key: str, action_id: int, revision: int, field: str) -> None:
    state = st.session_state
    _write(key, lambda s: s.update_action(action_id, author=_author(), status=state.get(f"{field}-status", "open"),
                                          text=state.get(f"{field}-text", ""), revision=revision),
           f"Action {action_id} updated.")


def _action(key: str, action: dict, today: date, writable: bool) -> None:
    with st.container(border=True):
        st.markdown(f"**{action['id']}.** " + md_paragraphs(action["text"]))
        st.caption(md_text(f"Owner: {action['owner']} · due {date.fromisoformat(action['due']).strftime('%d %b %Y')}"
                           f" · {status_words(action, today)} · raised by {action['author']} "
                           f"on {when(action['created_at'])}"))
        with st.expander("Updates"):
            for u in action["updates"]:
                st.caption(md_text(f"{when(u['written_at'])} · {u['author']} · {STATUS_CHOICES[u['status']]}"))
                st.markdown(md_paragraphs(u["text"]))
            if writable:
                field = f"{key}-update-{action['id']}-{action['revision']}"
                with st.form(f"{field}-form", border=False, clear_on_submit=True):
                    st.selectbox("Status", list(STATUS_CHOICES), format_func=STATUS_CHOICES.get,
                                 index=list(STATUS_CHOICES).index(action["status"]), key=f"{field}-status")
                    st.text_input("Update (optional)", key=f"{field}-text", max_chars=4000)
                    st.form_submit_button("Save the update", on_click=_update_action,
                                          args=(key, action["id"], action["revision"], field))


def _actions(key: str, actions: list[dict], measure_id, rec_id, writable: bool) -> None:
    st.subheader("Actions")
    today = date.today()
    shown = open_actions(actions, today) + [a for a in actions if a["status"] != "open"]
    for action in shown:
        _action(key, action, today, writable)
    if not actions:
        st.caption("No actions yet.")
    if writable:
        with st.form(f"{key}-add-action-form", clear_on_submit=True):
            st.text_area("New action: what is to be done", key=f"{key}-action-text", max_chars=MAX_TEXT, height=80)
            left, right = st.columns(2)
            left.text_input("Owner", key=f"{key}-action-owner", max_chars=200)
            right.date_input("Due", key=f"{key}-action-due", value=None, format="DD/MM/YYYY")
            st.form_submit_button("Save action", on_click=_add_action, args=(key, measure_id, rec_id))


# --- rating updates ------------------------------------------------------------------------------

def _propose(key: str, rec_id: str, plan_dir) -> None:
    from .ratings import AppendRefused, propose_and_apply

    state = st.session_state
    impact = state.get(f"{key}-rating-impact")

    def act(store):
        try:
            propose_and_apply(store, plan_dir, author=_author(), apply=bool(state.get(f"{key}-rating-apply")),
                              rec_id=rec_id, as_at=state.get(f"{key}-rating-as-at") or "",
                              implementation=state.get(f"{key}-rating-implementation") or "",
                              impact=impact if impact in RAG_CHOICES else None,
                              evidence=state.get(f"{key}-rating-evidence", ""),
                              further_actions=state.get(f"{key}-rating-further", ""))
        except AppendRefused as exc:
            raise BadRecord("ratings.csv", f"the proposal was recorded but not added to ratings.csv: {exc}") from None

    applying = bool(state.get(f"{key}-rating-apply"))
    from .. import access
    _write(key, act, "Rating update recorded" + (" and added to ratings.csv: the next load shows it." if applying
                                                 else " as a proposal."),
           access.CHANGE_PLAN if applying else access.WRITE_RECORD)


def _apply(key: str, proposal_id: int, plan_dir) -> None:
    from .ratings import AppendRefused, apply_proposal

    def act(store):
        try:
            apply_proposal(store, proposal_id, plan_dir, _author())
        except AppendRefused as exc:
            raise BadRecord("ratings.csv", str(exc)) from None

    from .. import access
    _write(key, act, f"Proposal {proposal_id} added to ratings.csv: the next load shows it.", access.CHANGE_PLAN)


def _rating_updates(ctx, key: str, store: MeetingStore, rec_id: str) -> None:
    from ..uploads import folders

    plan_dir = folders()[0]
    change_plan = may_change_plan(ctx)
    with st.expander("Rating updates agreed in the meeting"):
        try:
            proposals = [] if _not_written_yet(store) else store.proposals(rec_id)
        except StoreUnavailable as exc:
            _unavailable(str(exc))
            return
        for p in proposals:
            impact = RAG_CHOICES.get(p["impact"], "not yet judged")
            st.markdown(md_text(f"{p['as_at']}: implementation {RAG_CHOICES[p['implementation']]}, impact {impact}"
                                f" · proposed by {p['author']} on {when(p['created_at'])} · "
                                + (f"added to ratings.csv by {p['applied_by']} on {when(p['applied_at'])}"
                                   if p["applied_at"] else "not yet in ratings.csv")))
            if not p["applied_at"] and change_plan:
                st.button(f"Add proposal {p['id']} to ratings.csv", key=f"{key}-apply-{p['id']}", on_click=_apply,
                          args=(key, p["id"], plan_dir))
        with st.form(f"{key}-rating-form", clear_on_submit=True):
            st.date_input("Rating as at", key=f"{key}-rating-as-at", value=ctx.as_at, format="DD/MM/YYYY")
            left, right = st.columns(2)
            left.selectbox("Implementation", list(RAG_CHOICES), format_func=RAG_CHOICES.get,
                           key=f"{key}-rating-implementation")
            right.selectbox("Impact", ["", *RAG_CHOICES], format_func=lambda c: RAG_CHOICES.get(c, "Not yet judged"),
                            key=f"{key}-rating-impact")
            st.text_area("Evidence", key=f"{key}-rating-evidence", max_chars=MAX_TEXT)
            st.text_area("Further actions", key=f"{key}-rating-further", max_chars=MAX_TEXT)
            if change_plan:
                st.checkbox("Also add it to ratings.csv now (the plan's record; the next load shows it)",
                            key=f"{key}-rating-apply")
            st.form_submit_button("Record the rating update", on_click=_propose, args=(key, rec_id, plan_dir))


# --- the pages' calls ------------------------------------------------------------------------------

def meeting_panel(ctx, *, measure_id: str | None = None, rec_id: str | None = None) -> None:
    """The month's commentary and the actions for one measure or recommendation (with
    rating updates for a recommendation)."""
    key = f"meeting-{'measure' if measure_id else 'rec'}-{measure_id or rec_id}"
    store = _store()
    if store is None:
        return
    writable = may_write(ctx)
    _show_flash(key)
    if writable:
        _author_box()
    month = month_key(ctx.as_at)
    try:
        record = ({"notes": [], "actions": []} if _not_written_yet(store)
                  else store.subject_record(month, measure_id, rec_id))  # one read, one connection
    except StoreUnavailable as exc:
        _unavailable(str(exc))
        return
    _commentary(key, record["notes"], month, ctx.as_at, measure_id, rec_id, writable)
    _actions(key, record["actions"], measure_id, rec_id, writable)
    if rec_id and writable:
        _rating_updates(ctx, key, store, rec_id)


def measure_notes(ctx, measure_id: str) -> None:
    """Under a measure's chart on another page (Recommendation): its commentary for the
    month, read only. Silent when there is none or the record is unavailable (the page's
    own meeting panel says so)."""
    target = resolve_state()
    if engine_of(target) == "sqlite" and not Path(target).exists():
        return
    try:
        notes = MeetingStore(target).notes(month_key(ctx.as_at), measure_id=measure_id)
    except StoreUnavailable:
        return
    if not notes:
        return
    with st.container(border=True):
        st.caption(f"Commentary from the meeting, {month_label(ctx.as_at)}")
        for note in notes:
            st.markdown(md_paragraphs(note["text"]))
            st.caption(md_text(f"{note['author']} · {when(note['written_at'])}"
                               + (" · edited" if note["revision"] > 1 else "")))


def _own_ids(ctx, grant) -> set[str]:
    """A head of service's own recommendations (those whose lead names one of their service
    areas) and those recommendations' measures: their actions come first."""
    from .. import queries

    areas = [a.lower() for a in (getattr(grant, "default_areas", ()) or ())]
    if not areas:
        return set()
    recs = ctx.get(queries.recommendations)
    own = {r for r, lead in zip(recs["rec_id"], recs["lead"]) if isinstance(lead, str)
           and any(a in lead.lower() for a in areas)}
    measures = ctx.get(queries.measures)
    own |= {m for m, ids in zip(measures["measure_id"], measures["rec_ids"].fillna(""))
            if own & set(ids.split(";"))}
    return own


def open_actions_panel(ctx) -> None:
    """Overview: the open actions, overdue first (a head of service's own first)."""
    st.subheader("Open actions from the meeting")
    store = _store()
    if store is None:
        return
    try:
        actions = [] if _not_written_yet(store) else store.actions(status="open")
    except StoreUnavailable as exc:
        _unavailable(str(exc))
        return
    if not actions:
        st.caption("No open actions.")
        return
    from .. import queries

    grant = _grant(ctx)
    rows = open_actions(actions, date.today(), _own_ids(ctx, grant) if grant is not None else set())
    names = dict(zip(*[ctx.get(queries.measures)[c] for c in ("measure_id", "name")]))
    st.dataframe(actions_frame(rows, names, date.today()), hide_index=True, key="open-actions")
