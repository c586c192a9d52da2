"""The dashboard's entry point: page set-up, the sign-in gate, navigation by role, and the
month and scope every page shows."""
import streamlit as st

from cipdash import access
from cipdash.gate import OK, account_box, check, refusal_navigation
from cipdash.webapp import open_overview, plainly, recover_interrupted_upload, sidebar

# An emoji icon: Streamlit draws it in the browser, where a :material/...: page icon is
# fetched from Google's font host (a council network may block it; nothing should leave).
st.set_page_config(page_title="Improvement plan dashboard", page_icon="📈", layout="wide")

# An upload that a crash left half-done is finished or undone before anything is read.
plainly(recover_interrupted_upload)

# The gate first: nobody without a grant gets any page but the sign-in or refusal page.
found = check()
if found.status != OK:
    refusal_navigation(found)
    st.stop()
grant = found.grant

sections = {
    "Plan": [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", url_path="start",
                default=True),
        st.Page("pages/recommendation.py", title="Recommendation", icon=":material/flag:", url_path="recommendation"),
        # The Overview is served at "/": links to /overview (bookmarks, older e-mails) land there.
        st.Page(open_overview, title="Overview (old link)", url_path="overview", visibility="hidden"),
    ],
    "Performance": [
        st.Page("pages/measures.py", title="Measures", icon=":material/show_chart:", url_path="measures"),
        st.Page("pages/teams.py", title="Teams", icon=":material/groups:", url_path="teams"),
    ],
    "Data": [
        st.Page("pages/exports.py", title="Report pack", icon=":material/description:", url_path="exports"),
    ],
}
# Uploads, loads and file details are the performance team's and the administrators'. The
# page checks the role itself too: leaving it out of the menu is only for tidiness.
if grant.allows(access.UPLOAD):
    sections["Data"].insert(0, st.Page("pages/data.py", title="Data", icon=":material/database:", url_path="data"))
page = st.navigation(sections)
account_box(grant)
# Drawn here, not by each page, so the choice holds as the reader moves between pages.
plainly(sidebar)
plainly(page.run)  # a failure is a plain message with a reference, never a traceback
