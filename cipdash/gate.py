"""The one server-side gate every page view passes: who is signed in, whether they are on
the access list, and what their role lets them do. The rules themselves are in
cipdash/access.py (free of Streamlit); this module only asks them, draws the refusals
and writes the audit rows.

Sign-in is Streamlit's OpenID Connect (`st.login`, configured in .streamlit/secrets.toml
`[auth]`). Without `[auth]` nobody signs in: the dashboard then serves this machine only
(bin/run-dashboard binds it to 127.0.0.1), a connection from any other address is
refused here as well, and the person at the machine acts as administrator.

Session expiry: Streamlit's identity cookie lives 30 days, far too long for children's
data on a shared PC. A sign-in older than `session_hours` (secrets.toml `[cipdash]`,
default 8, a working day), counted from the identity token's `iat` (issued-at) claim,
is treated as signed out at the next page view, whatever the cookie says.
"""
from __future__ import annotations

import ipaddress
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from . import access, audit
from .access import Grant, Person

DEFAULT_SESSION_HOURS = 8.0
SIGNED_IN_KEY = "_gate_signed_in_audited"
DENIED_KEY = "_gate_denied_audited"
SIGN_IN, EXPIRED, NOT_AUTHORISED, NOT_LOCAL, OK = "sign in", "expired", "not authorised", "not local", "ok"

# Sign-ins already recorded by this process: (e-mail, issued-at). A new tab reuses the
# cookie of a sign-in already recorded, so it is one sign-in, not another.
_SIGN_INS_SEEN: set[tuple[str, object]] = set()
_SIGN_INS_LOCK = threading.Lock()


@dataclass(frozen=True)
class Access:
    """The gate's answer for this page view."""

    status: str
    grant: Grant | None = None
    person: Person | None = None
    contact: str = access.DEFAULT_CONTACT



def _plan_dir() -> Path:
    from .uploads import folders

    return folders()[0]


def sign_in_configured() -> bool:
    """True when .streamlit/secrets.toml has an [auth] section (Streamlit's OIDC sign-in)."""
    try:
        return bool(st.secrets.get("auth"))
    except Exception:  # no secrets file at all: Streamlit raises its own not-found error
        return False


def _setting(name: str, default):
    try:
        section = st.secrets.get("cipdash") or {}
        return section.get(name, default)
    except Exception:
        return default


def session_hours() -> float:
    try:
        hours = float(_setting("session_hours", DEFAULT_SESSION_HOURS))
    except (TypeError, ValueError):
        return DEFAULT_SESSION_HOURS
    return hours if hours > 0 else DEFAULT_SESSION_HOURS


def _is_loopback(address: str | None) -> bool:
    if address is None:  # Streamlit gives None for a connection to localhost
        return True
    try:
        return ipaddress.ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        return address == "localhost"


def _person() -> Person | None:
    user = st.user
    if not user.get("is_logged_in"):
        return None
    email = str(user.get("email") or "")
    if "@" not in email:  # Entra ID may send the sign-in name rather than an email claim
        email = str(user.get("preferred_username") or user.get("upn") or email)
    groups = user.get("groups") or ()
    if isinstance(groups, str):
        groups = (groups,)
    return Person(email.strip(), tuple(str(g) for g in groups), str(user.get("name") or ""))


def _signed_in_at() -> float | None:
    issued = st.user.get("iat") or st.user.get("auth_time")
    try:
        return float(issued) if issued is not None else None
    except (TypeError, ValueError):
        return None


def _record(action: str, outcome: str, who: str, role: str = "", **detail) -> None:
    """An audit row; when the audit log cannot be written, nothing more happens."""
    try:
        audit.record(action, outcome, who, role, "dashboard", **detail)
    except audit.AuditUnavailable as exc:
        st.error(str(exc))
        st.stop()


def _client_address() -> str | None:
    try:
        address = st.context.ip_address
    except Exception:  # no session (a bare script run)
        return None
    # A real connection gives text (or None for localhost); AppTest's stand-in gives neither.
    return address if isinstance(address, str) else None


def check() -> Access:
    """Who is here and what they may do, for this page view (re-read every time, so a change
    to access.csv applies at the next page view)."""
    if not sign_in_configured():
        if not _is_loopback(_client_address()):
            return Access(NOT_LOCAL)
        return Access(OK, access.LOCAL_ADMIN)
    plan_dir = _plan_dir()
    contact = access.access_contact(plan_dir)
    person = _person()
    if person is None:
        return Access(SIGN_IN, contact=contact)
    issued = _signed_in_at()
    if issued is None:  # no issued-at claim: count from the first page view of this browser session
        issued = st.session_state.setdefault("_gate_first_seen", time.time())
    if time.time() - issued > session_hours() * 3600:
        return Access(EXPIRED, person=person, contact=contact)
    grant = access.current_access(plan_dir).grant_for(person)
    if grant is None:
        if st.session_state.get(DENIED_KEY) != person.email:
            st.session_state[DENIED_KEY] = person.email
            _record(audit.DENIED, "refused", person.email, reason="not on the access list", page=_page_name())
        return Access(NOT_AUTHORISED, person=person, contact=contact)
    key = (person.email.lower(), st.user.get("iat"))
    if st.session_state.get(SIGNED_IN_KEY) != key:
        with _SIGN_INS_LOCK:
            first = key not in _SIGN_INS_SEEN
            _SIGN_INS_SEEN.add(key)
        if first:
            _record(audit.SIGN_IN, "ok", person.email, grant.role, groups=list(person.groups),
                    access_lines=list(grant.lines))
        st.session_state[SIGNED_IN_KEY] = key
    return Access(OK, grant, person, contact)


def _page_name() -> str:
    try:
        return st.context.url or ""
    except Exception:
        return ""


def show_refusal(result: Access) -> None:
    """The page shown instead of any figures when the gate says no."""
    if result.status == NOT_LOCAL:
        st.title("This dashboard serves this machine only")
        st.error("Sign-in is not set up, so the dashboard answers only on this machine (loopback). "
                 "Ask whoever runs it to set up sign-in (README: Sign-in).")
        return
    if result.status == SIGN_IN:
        st.title("Sign in")
        st.markdown("Children's social care figures are shown only to people on the dashboard's access list.")
        if st.button("Sign in with your organisation account", type="primary", key="gate-sign-in",
                     icon=":material/login:"):
            st.login()
        return
    if result.status == EXPIRED:
        st.title("Your sign-in has expired")
        st.markdown(f"Sign-ins last {session_hours():g} hours. Sign out, then sign in again.")
        if st.button("Sign out", type="primary", key="gate-sign-out-expired"):
            st.logout()
        return
    st.title("Not authorised")
    st.error(_plain(f"You are signed in as {result.person.email if result.person else 'someone'}, but you are not "
                    f"on this dashboard's access list, so it shows you no figures."))
    st.markdown("To ask for access, contact " + _plain(result.contact) + ".")
    if st.button("Sign out", key="gate-sign-out-denied"):
        st.logout()


def _plain(text: str) -> str:
    from .webapp import md_text

    return md_text(text)


def refusal_page() -> None:
    """The only page in the navigation while the gate says no."""
    show_refusal(check())


def gate() -> Grant:
    """The grant for this page view; anyone without one sees the refusal and nothing else."""
    result = check()
    if result.status != OK:
        show_refusal(result)
        st.stop()
    return result.grant


def refuse(grant: Grant, what: str, **detail) -> None:
    """Record a refused attempt, say so plainly, and stop the page view."""
    _record(audit.DENIED, "refused", who(), grant.role, attempted=what, **detail)
    st.error(f"Your role ({grant.role_name}) does not allow this: {what}. Ask "
             f"{_plain(access.access_contact(_plan_dir()))} if you need it.")
    st.stop()


def require(permission: str) -> Grant:
    """The page view's grant, refused (recorded and stopped) unless it allows `permission`."""
    grant = gate()
    if not grant.allows(permission):
        refuse(grant, permission)
    return grant


def who() -> str:
    """The name recorded in the audit log for whoever is acting now."""
    if not sign_in_configured():
        return "local"
    person = _person()
    return person.email if person is not None else "unknown"


def account_box(grant: Grant) -> None:
    """The sidebar's note of who is signed in, in what role, and the sign-out button."""
    with st.sidebar:
        if grant.local:
            st.info("No sign-in is set up: this dashboard serves this machine only, and you act as "
                    "administrator.", icon=":material/computer:")
            return
        person = _person()
        st.caption(_plain(f"Signed in as {person.email if person else 'unknown'} · {grant.describe()}"))
        if st.button("Sign out", key="gate-sign-out", icon=":material/logout:"):
            st.logout()


def refusal_navigation(result: Access) -> None:
    """Run the refusal as the only page there is: no other page can be reached, even by URL."""
    titles = {SIGN_IN: "Sign in", EXPIRED: "Sign in again", NOT_AUTHORISED: "Not authorised",
              NOT_LOCAL: "This machine only"}
    st.navigation([st.Page(refusal_page, title=titles.get(result.status, "Sign in"), url_path="sign-in",
                           icon=":material/lock:")], position="hidden").run()

