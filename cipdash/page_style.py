"""The dashboard's one stylesheet: a visible keyboard focus ring, touch targets of at least
24 px (WCAG 2.2 2.5.8), and the phone layout (390 px wide: titles, card labels, charts' tool
bar).

The only raw HTML the dashboard sends (tests/test_hostile_repository.py allows this file
alone): a constant, never text from a file or a person.
"""
import streamlit as st

# A visible focus ring on everything a keyboard can reach (WCAG 2.2 2.4.7 and 2.4.11):
# Streamlit's own shows links with a faint background only. Okabe-Ito blue, 5.1:1 on white,
# with a white halo so it also shows against the blue of a chosen tag or button.
FOCUS_RING_CSS = """<style>
a:focus-visible, button:focus-visible, input:focus-visible, textarea:focus-visible, summary:focus-visible,
[role="button"]:focus-visible, [role="tab"]:focus-visible, [role="option"]:focus-visible,
[role="switch"]:focus-visible, [role="radio"]:focus-visible, [role="checkbox"]:focus-visible,
[tabindex]:focus-visible {
  outline: 3px solid #0072B2 !important;
  outline-offset: 2px !important;
  box-shadow: 0 0 0 5px #ffffff !important;
}
/* The sidebar's "Figures for" box: with two or three chosen tags Streamlit squeezed its text
   input to 17 px wide, under WCAG 2.2's 24 px minimum for a touch target (axe target-size). */
[data-testid="stMultiSelect"] input[role="combobox"] {
  min-width: 24px !important;
}
/* A card's label wraps rather than ending in "…": "Young people aged 16+ with an up to date
   pathway plan" was cut to "Young people aged 16+ with an up to date pathwa…" on a phone. */
[data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"],
[data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"] p {
  white-space: normal !important;
  overflow: visible !important;
  text-overflow: clip !important;
}
/* Phones (Streamlit stacks columns below 640 px). */
@media (max-width: 640px) {
  /* Streamlit's 44 px title broke a word wider than the screen inside itself, leaving a lone
     ")" of "(Transformational)" on a line of its own (tests/browser/test_browser_phone.py).
     At 30 px such a word fits, and balanced lines leave no one-word last line. */
  [data-testid="stMain"] h1 {
    font-size: 1.875rem !important;
    text-wrap: balance;
  }
  /* Plotly's tool bar sat over the chart titles; on a phone there is no room beside them. The
     figures are in the table under each chart, and the Download menu makes the files. */
  [data-testid="stMain"] .modebar-container {
    display: none !important;
  }
}
</style>"""


def apply() -> None:
    st.html(FOCUS_RING_CSS)
