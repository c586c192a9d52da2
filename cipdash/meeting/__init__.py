"""The monthly meeting's own record: commentary, actions and rating updates (issue 16).

    from cipdash.meeting import MeetingStore, resolve_state
    store = MeetingStore(resolve_state())          # var/meeting.sqlite or $CIPDASH_STATE
    store.add_note(author="a@council.gov.uk", text="...", month="2020-09", measure_id="assessment_timeliness")

No Streamlit here except in render.py (the pages' helper) and identity.py (who is writing).
"""
from .store import (BadRecord, EditConflict, MeetingStore, NotFound, StoreUnavailable, describe, engine_of,
                    resolve_state)

__all__ = ["BadRecord", "EditConflict", "MeetingStore", "NotFound", "StoreUnavailable", "describe", "engine_of",
           "resolve_state"]
