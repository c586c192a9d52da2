"""Who may write, and the order of open actions (overdue first; a head of service's own first)."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from cipdash import access
from cipdash.meeting.render import may_change_plan, may_write
from cipdash.meeting.views import open_actions, status_words

TODAY = date(2021, 4, 15)


def action(i, due, status="open", measure_id=None, rec_id="R1"):
    return {"id": i, "due": due, "status": status, "measure_id": measure_id, "rec_id": rec_id}


def test_open_actions_overdue_first_then_by_due_date_and_a_head_of_services_own_first():
    actions = [action(1, "2021-05-01"), action(2, "2021-04-01"), action(3, "2021-03-01"),
               action(4, "2021-02-01", status="done"), action(5, "2021-06-01", rec_id="MINE"),
               action(6, "2021-04-20", measure_id="mine_measure", rec_id=None)]
    assert [a["id"] for a in open_actions(actions, TODAY)] == [3, 2, 6, 1, 5]
    assert [a["id"] for a in open_actions(actions, TODAY, {"MINE", "mine_measure"})] == [6, 5, 3, 2, 1]
    assert status_words(actions[1], TODAY) == "Open, overdue by 14 days"
    assert status_words(actions[3], TODAY) == "Done" and status_words(actions[0], TODAY) == "Open"


def _ctx(role):
    return SimpleNamespace(grant=access.Grant(role, access.ROLE_PERMISSIONS[role], None))


def test_a_viewer_reads_only_and_only_a_role_that_may_load_appends_to_the_plan():
    assert not may_write(_ctx(access.VIEWER))
    assert may_write(_ctx(access.HEAD_OF_SERVICE)) and may_write(_ctx(access.PERFORMANCE))
    assert not may_change_plan(_ctx(access.HEAD_OF_SERVICE))
    assert may_change_plan(_ctx(access.PERFORMANCE)) and may_change_plan(_ctx(access.ADMIN))
    local = SimpleNamespace(grant=access.LOCAL_ADMIN)  # no sign-in: the person at this machine
    assert may_write(local) and may_change_plan(local)


class _User(dict):
    def __init__(self, logged_in: bool, **claims):
        super().__init__(claims)
        self.is_logged_in = logged_in


def test_the_author_is_the_signed_in_email_never_a_typed_name(monkeypatch):
    from cipdash.meeting import identity

    monkeypatch.setattr(identity, "st", SimpleNamespace(user=_User(True, email="ann@council.example")))
    assert identity.current_author("Somebody Else") == "ann@council.example"
    assert not identity.needs_typed_name()
    monkeypatch.setattr(identity, "st", SimpleNamespace(user=_User(False)))
    assert identity.current_author("  Ann   Chair ") == "Ann Chair (not signed in)"
    assert identity.current_author("") is None and identity.needs_typed_name()
