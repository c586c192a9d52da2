"""The dashboard's entry point: page set-up, navigation, and the month and scope every page shows."""
import streamlit as st

from cipdash.webapp import sidebar

st.set_page_config(page_title="Improvement plan dashboard", page_icon=":material/monitoring:", layout="wide")

page = st.navigation({
    "Plan": [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", url_path="overview", default=True),
        st.Page("pages/recommendation.py", title="Recommendation", icon=":material/flag:", url_path="recommendation"),
    ],
    "Performance": [
        st.Page("pages/measures.py", title="Measures", icon=":material/show_chart:", url_path="measures"),
        st.Page("pages/teams.py", title="Teams", icon=":material/groups:", url_path="teams"),
    ],
    "Data": [
        st.Page("pages/data.py", title="Data", icon=":material/database:", url_path="data"),
        st.Page("pages/exports.py", title="Report pack", icon=":material/description:", url_path="exports"),
    ],
})
# Drawn here, not by each page, so the choice holds as the reader moves between pages.
sidebar()
page.run()
