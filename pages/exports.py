"""Report pack: the monthly performance pack as Word, PowerPoint, PDF or Excel, for the
whole authority, a service area or a team; public (suppressed) by default."""
import streamlit as st

from cipdash import access
from cipdash.export_formats import needs_browser, pack_choices
from cipdash.views.pack import pack_view
from cipdash.webapp import chromium_problem, md_text, pack_file, page_context

FORMATS = pack_choices()


def pack_page():
    ctx = page_context()
    shown = ctx.view(pack_view)
    st.title("Report pack")
    st.caption(md_text(shown.caption))
    st.markdown("The monthly performance pack: a cover, the summary table in the committee-appendix shape, "
                "a section per recommendation with its measures' charts and narrative (the SPC chart too "
                "where a measure has 12 or more monthly figures), the other measures, and the figures "
                "behind every chart.")
    scope = ctx.scope
    st.markdown(md_text(shown.figures_for))
    if ctx.grant.allows(access.INTERNAL_EXPORTS):
        public = st.toggle("Public version: suppress small numbers", value=True, key="pack_public",
                           help="For committee reports and anything published: counts, numerators and "
                                "denominators of 1 to 5 are shown as c (DfE convention), with secondary "
                                "suppression, and suppressed points are left out of the charts.")
    else:
        # Only the public version for this role; the server refuses an internal pack whatever is sent.
        public = True
        st.caption("Public version: small numbers suppressed (counts of 1 to 5 shown as c). Internal packs are "
                   "for the performance team.")
    if public:
        st.caption("The pack is marked “PUBLIC VERSION” in its footer and its file name.")
    else:
        st.warning("Internal version: small numbers are NOT suppressed. Not for publication.")
    fmt = st.radio("Format", list(FORMATS), format_func=FORMATS.get, horizontal=True, key="pack_format")
    problem = chromium_problem() if needs_browser(fmt) else None
    if problem:
        st.error(md_text(problem + " The Excel pack (tables only) can still be made."))
        return
    trend_only = st.checkbox("Trend charts only (no SPC charts)", value=False, key="pack_trend_only",
                             help="By default each measure with 12 or more monthly figures also gets its SPC "
                                  "chart (average and process limits) after its trend chart.")
    wanted = (ctx.version, ctx.as_at, scope, public, fmt, trend_only)
    if st.button("Build the pack", type="primary", key="pack_build"):
        with st.spinner("Building the pack: drawing the charts takes a few seconds…"):
            st.session_state["pack_built"] = (wanted, pack_file(ctx, scope, public, fmt, trend_only))
    built = st.session_state.get("pack_built")
    if built and built[0] == wanted:
        file_name, mime, data = built[1]
        st.download_button(f"Download {file_name} ({len(data) / 1e6:.1f} MB)", data=data, file_name=file_name,
                           mime=mime, key="pack_download", type="primary", icon=":material/download:",
                           on_click="ignore")
    elif built:
        st.caption("The choices have changed since the last pack was built: build it again.")


pack_page()
