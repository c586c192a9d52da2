"""The SPC view and the Making Data Count icons in real Chromium (issue 5): the limits are
worked out here by hand from the sample CSVs (mean ± 2.66 × mean moving range), and the
page must draw them, state them in its text alternative, and show the variation and
assurance icons as words. Screenshots in artifacts/screenshots/ are for looking at."""
from __future__ import annotations

import pandas as pd
from playwright.sync_api import expect

import browser_sample as sample
from browserkit import assert_healthy, legend_names, main, open_page

MEASURE = "assessment_timeliness"  # higher_better, percent, monthly, with a March target


def authority_months(measure_id: str) -> pd.Series:
    x = sample.extracts()
    x = x[(x["measure_id"] == measure_id) & (x["team_id"].fillna("ALL").isin(["ALL", ""]))
          & (x["period_type"].fillna("month") == "month")]
    return x.sort_values("period_end")["value"].reset_index(drop=True)


def by_hand(values: pd.Series) -> tuple[float, float, float]:
    mean = values.mean()
    mr = values.diff().abs().mean()
    return mean - 2.66 * mr, mean, mean + 2.66 * mr


def next_target(measure_id: str) -> float:
    t = pd.read_csv(sample.PLAN_DIR / "targets.csv", parse_dates=["target_date"])
    t = t[(t["measure_id"] == measure_id) & (t["target_date"] >= pd.Timestamp(sample.latest_month()))]
    t = t.sort_values("target_date")
    authority = t[t["applies_to"].fillna("authority") == "authority"]
    return float((authority if len(authority) else t)["target"].iloc[0])


def test_xmr_view_draws_the_limits_worked_out_by_hand_and_says_what_they_mean(app, page, shot):
    values = authority_months(MEASURE)
    lower, centre, upper = by_hand(values)
    target = next_target(MEASURE)
    # What the sample shows, by the contract's rules: the latest point above the upper
    # limit (special cause improvement) and the target above it too (consistently failing).
    assert values.iloc[-1] > upper and target > upper

    open_page(page, f"{app.url}/measures?measure={MEASURE}&view=xmr")
    assert_healthy(page, "the SPC (XmR) view")
    body = main(page)
    chart = body.locator(".js-plotly-plot").first
    expect(chart).to_be_visible()
    names = legend_names(chart)
    assert {"Upper process limit", "Average", "Lower process limit"} <= set(names), names
    alt = body.get_by_text("SPC chart (XmR) of").first
    expect(alt).to_contain_text(f"process limits {lower:.1f}% to {upper:.1f}%")
    expect(alt).to_contain_text(f"{len(values)} monthly points")
    expect(body.get_by_text("Special cause improvement").first).to_be_visible()
    expect(body.get_by_text("Consistently failing the target").first).to_be_visible()
    expect(body.get_by_text(f"above the upper limit of {upper:.1f}%").first).to_be_visible()
    shot("xmr")

    # The same measure's p′ view: percentages with numerators and denominators.
    open_page(page, f"{app.url}/measures?measure={MEASURE}&view=p_prime")
    assert_healthy(page, "the SPC (p′) view")
    expect(main(page).get_by_text("SPC chart (p′").first).to_be_visible()
    shot("p-prime")


def test_overview_cards_carry_their_spc_reading_as_words_with_a_tooltip(app, page, shot):
    open_page(page, app.url)
    # A badge with a tooltip (st.badge's help) sits in a tooltip hover target.
    badges = main(page).locator("[data-testid='stTooltipHoverTarget'] .stMarkdownBadge")
    expect(badges.filter(has_text="Special cause improvement").first).to_be_visible()
    # Each SPC badge: an icon with its own accessible name, the words, and a tooltip.
    variation = ("Special cause improvement", "Special cause concern", "Common cause", "Not enough data")
    assurance = ("Consistently passing the target", "Consistently failing the target", "Hit or miss", "No assurance")
    spc = [b for b in badges.all() if any(w in b.inner_text() for w in variation + assurance)]
    texts = [b.inner_text() for b in spc]
    icons = [b.locator("[role='img']").first.get_attribute("aria-label") for b in spc]
    # Every measure with figures has a card with one word of each kind.
    cards = main(page).locator("[data-testid='stMetric']").count()
    assert cards == len(sample.measures()), cards
    assert sum(any(w in t for w in variation) for t in texts) == cards, texts
    # Each card has an assurance badge, or (issue 13) the words saying it is withheld because
    # the latest figures lie outside the limits earlier months set: never both, never neither.
    withheld = main(page).get_by_text("Assurance not assessed: the latest figures lie outside the limits set by "
                                      "earlier months", exact=True).count()
    assert withheld > 0
    assert sum(any(w in t for w in assurance) for t in texts) + withheld == cards, texts
    assert all(i and i.endswith(" icon") for i in icons), icons
    badges.filter(has_text="Consistently failing the target").first.hover()
    expect(page.locator("[data-testid='stTooltipContent']").first).to_be_visible()
    shot("icons")
