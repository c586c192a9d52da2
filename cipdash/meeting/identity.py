"""Who is writing to the meeting record from the dashboard: the one place that decides.

Signed in (Streamlit's OpenID Connect, `st.user.is_logged_in`): the identity token's
e-mail, always; a typed name is never used then. Not signed in (a dashboard on this
machine only, no [auth] set up): the name the person types in the form, marked
"(not signed in)" so the record never passes it off as a verified identity.
"""
from __future__ import annotations

import streamlit as st

NOT_SIGNED_IN = "(not signed in)"


def signed_in_email() -> str | None:
    try:
        user = st.user
        if user.is_logged_in:
            # Signed in: the token's identity, never a typed name (its subject id if it has no e-mail).
            who = user.get("email") or user.get("sub")
            return str(who).strip() if who else "signed-in user (no e-mail in the token)"
    except Exception:  # no sign-in configured, or no script run context (bare mode)
        return None
    return None


def current_author(typed_name: str | None = None) -> str | None:
    """The author to record, or None when nobody is signed in and no name was typed."""
    email = signed_in_email()
    if email:
        return email
    name = " ".join((typed_name or "").split())
    return f"{name} {NOT_SIGNED_IN}" if name else None


def needs_typed_name() -> bool:
    return signed_in_email() is None
