#!/usr/bin/env python3
"""Generate the fictional sample plan (cip_data/) and extracts (data/).

The authority, its teams and every figure here are invented.  The shape of the
data follows the real council papers in the project's seeds: six ILACS 2019
recommendations rated quarterly for implementation and impact, measures with
31 March targets, team ranges such as "teams range from 71.4% to 97.2%", a
vacancy rate of about 16% in March 2020 falling to about 9% by the summer, and
a dip in spring 2020 when the first national lockdown hit.

Usage:
    python tools/make_sample_data.py [OUTPUT_DIR]

OUTPUT_DIR defaults to the repository root; files are written to
OUTPUT_DIR/cip_data and OUTPUT_DIR/data.  The output is deterministic: every
random series has its own generator seeded from SEED and the series' name, so
running the script twice gives byte-identical files, and adding a series does
not change the others.  Only the standard library and numpy are used.
"""

from __future__ import annotations

import argparse
import calendar
import csv
import datetime as dt
import math
import sys
import zlib
from pathlib import Path

import numpy as np

SEED = 20190308  # publication date of the (fictional) ILACS report

REPO_ROOT = Path(__file__).resolve().parent.parent

# Monthly extracts cover three financial years, April 2018 to March 2021.
FIRST_MONTH = (2018, 4)
LAST_MONTH = (2021, 3)

# Spring 2020 (first national lockdown): share of each measure's worst-case dip
# felt in each month.  Visits moved to a risk-assessed model, courts adjourned.
COVID_PROFILE = {(2020, 4): 1.0, (2020, 5): 0.7, (2020, 6): 0.35}

# Written by hand rather than with strftime so the output never depends on locale.
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July",
               "August", "September", "October", "November", "December")

PLAN = {
    "name": "Brighter Futures Improvement Plan 2019-2021",
    "authority": "Wessexshire County Council",  # fictional
}

# ---------------------------------------------------------------------------
# The plan: teams, recommendations, measures, targets, inspections
# ---------------------------------------------------------------------------

# One head of service covers both Children in Care and Care Leavers, as in
# many councils, so filtering by head of service spans two service areas.
HOS_FR = "Head of Service, First Response"
HOS_LOC = "Head of Service, Localities"
HOS_CIC = "Head of Service, Children in Care and Care Leavers"
HOS_DC = "Head of Service, Disabled Children"

TEAMS = [
    # team_id, team_name, service_area, head_of_service
    ("fr_north", "First Response North", "First Response", HOS_FR),
    ("fr_south", "First Response South", "First Response", HOS_FR),
    ("loc_east", "Localities East", "Localities", HOS_LOC),
    ("loc_west", "Localities West", "Localities", HOS_LOC),
    ("loc_north", "Localities North", "Localities", HOS_LOC),
    ("loc_south", "Localities South", "Localities", HOS_LOC),
    ("cic_north", "Children in Care North", "Children in Care", HOS_CIC),
    ("cic_south", "Children in Care South", "Children in Care", HOS_CIC),
    ("cl_north", "Care Leavers North", "Care Leavers", HOS_CIC),
    ("cl_south", "Care Leavers South", "Care Leavers", HOS_CIC),
    ("dc_east", "Disabled Children East", "Disabled Children", HOS_DC),
    ("dc_west", "Disabled Children West", "Disabled Children", HOS_DC),
]
TEAM_IDS = [t[0] for t in TEAMS]

AIM_HELP = "Right help at the right time"
AIM_PRACTICE = "Excellent practice every time"
AIM_CIC = "Secure futures for children in care"
AIM_WORKFORCE = "A stable, skilled workforce"

RECOMMENDATIONS = [
    # rec_id, title, source, aim, lead
    ("2019-1",
     "The timeliness of assessments for children in need, so that children who "
     "are not at immediate risk of significant harm receive help without delay, "
     "consistently across all teams.",
     "ILACS 2019", AIM_HELP, "Head of Service, First Response"),
    ("2019-2",
     "The timeliness and impact of work with families during the pre-proceedings "
     "stage of the Public Law Outline, so that children do not experience drift.",
     "ILACS 2019", AIM_HELP, "Head of Service, Localities"),
    ("2019-3",
     "The quality of care planning, and the regularity and quality of supervision "
     "and management oversight, so that plans for children progress without "
     "unnecessary delay.",
     "ILACS 2019", AIM_PRACTICE, "Principal Social Worker"),
    ("2019-4",
     "The quality and timeliness of pathway plans for care leavers, and the extent "
     "to which they reflect young people's views and prepare them for independence.",
     "ILACS 2019", AIM_CIC, "Head of Service, Children in Care and Care Leavers"),
    ("2019-5",
     "Planning for permanence for children in care whose plan is not adoption, "
     "including decisions about permanence by the second review.",
     "ILACS 2019", AIM_CIC, "Head of Service, Safeguarding and Quality Assurance"),
    # Carried over from the earlier plan, as real plans often do with their
    # last amber actions.
    ("2019-6",
     "The recruitment and retention of permanent social workers, so that caseloads "
     "are manageable and children experience fewer changes of social worker.",
     "SIF 2016 (carried forward)", AIM_WORKFORCE,
     "Assistant Director, Children's Social Care"),
]

MEASURES = [
    # measure_id, name, unit, polarity, rec_id, definition, tolerance
    ("assessment_timeliness", "Assessments completed within 45 working days",
     "percent", "higher_better", "2019-1",
     "Children and family assessments completed in the month that were completed "
     "within 45 working days of the referral (Working Together), as a percentage "
     "of all assessments completed in the month.", "2.0"),
    ("seen_within_5_days", "Children seen within 5 working days of referral",
     "percent", "higher_better", "2019-1",
     "Children referred for assessment in the month who were seen by a social "
     "worker within 5 working days. Between 5% and 10% are unborn children who "
     "cannot be seen, so this will never reach 100%.", "2.0"),
    ("contacts_3_days", "Contacts resolved within 3 working days",
     "percent", "higher_better", "2019-1",
     "Contacts to the front door resolved (a decision recorded) within 3 working "
     "days of receipt, as a percentage of contacts resolved in the month.", ""),
    ("supervision_compliance", "Social workers supervised in line with policy",
     "percent", "higher_better", "2019-3;2019-6",
     "Case-holding staff with 3 recorded supervisions in the previous 3 months, "
     "as a percentage of case-holding staff at month end.", "2.0"),
    ("pre_proceedings_weeks", "Pre-proceedings average length (open cases)",
     "weeks", "lower_better", "2019-2",
     "Average number of weeks since the pre-proceedings meeting for families in "
     "the pre-proceedings stage of the Public Law Outline at month end.", "1.0"),
    ("care_proceedings_weeks", "Average duration of care proceedings",
     "weeks", "lower_better", "2019-2;2019-5",
     "Average duration in weeks of care proceedings concluded in the 12 months "
     "to the period end. The statutory limit is 26 weeks (s32(1)(a) Children "
     "Act 1989), extendable by up to 8 weeks.", "1.0"),
    ("audit_good_or_better", "Case audits graded good or better",
     "percent", "higher_better", "2019-3",
     "Cases audited in the quarter (thematic and dip audits, after moderation) "
     "graded good or outstanding overall for assessment, planning and "
     "management oversight.", "5.0"),
    ("audit_inadequate", "Case audits graded inadequate",
     "percent", "lower_better", "2019-3",
     "Cases audited in the quarter graded inadequate overall, after moderation.",
     "2.0"),
    ("cic_up_to_date_plan", "Children in care with an up to date care plan",
     "percent", "higher_better", "2019-3;2019-5",
     "Children in care at month end whose care plan was reviewed within the "
     "last 6 months.", "2.0"),
    ("pathway_plans_16plus", "Young people aged 16+ with an up to date pathway plan",
     "percent", "higher_better", "2019-4",
     "Children in care aged 16 or 17 and care leavers at month end with a "
     "pathway plan reviewed within the last 6 months.", "2.0"),
    ("permanence_by_second_review", "Children in care with a permanence plan by their second review",
     "percent", "higher_better", "2019-5",
     "Children in care at month end who have had at least their second review "
     "of arrangements and have a permanence plan recorded.", ""),
    ("statutory_visits_timescale", "Statutory visits completed in timescale",
     "percent", "higher_better", "2019-3",
     "Statutory visits to children in need, children on child protection plans "
     "and children in care that fell due in the month and were completed in "
     "timescale.", "2.0"),
    ("sw_vacancy_rate", "Social worker vacancy rate",
     "percent", "lower_better", "2019-6",
     "Vacant social worker posts (FTE) as a percentage of vacancies plus "
     "in-post FTE, at month end.", "2.0"),
    ("vacant_posts", "Vacant social worker posts",
     "count", "lower_better", "2019-6",
     "Funded social worker posts with no permanent post-holder at month end.",
     "3.0"),
    ("agency_rate", "Agency social worker rate",
     "percent", "lower_better", "2019-6",
     "Agency social worker FTE as a percentage of agency plus in-post FTE, at "
     "month end.", "2.0"),
    ("average_caseload", "Average caseload per social worker",
     "number", "lower_better", "2019-6",
     "Open cases allocated to social workers divided by case-holding social "
     "worker FTE, at month end.", "1.0"),
    ("care_leavers_in_touch", "Care leavers aged 19-21 in touch with the council",
     "percent", "higher_better", "2019-4",
     "Care leavers aged 19, 20 and 21 with whom the council was in touch around "
     "their birthday in the year to 31 March (SSDA903 annual return).", ""),
]
MEASURE_IDS = [m[0] for m in MEASURES]

# Most targets are for 31 March.  statutory_visits_timescale also has an
# end-of-July target ("inspection ready"), and has an authority and an
# each_team target on the same date (95% overall, no team below 90%).
# care_leavers_in_touch deliberately has no target.
TARGETS = [
    # measure_id, target_date, target, applies_to, note
    ("assessment_timeliness", "2020-03-31", "85", "authority", "At least 85%"),
    ("assessment_timeliness", "2021-03-31", "95", "each_team", "At least 95% all teams"),
    ("seen_within_5_days", "2020-03-31", "70", "authority", ""),
    ("seen_within_5_days", "2021-03-31", "80", "authority", "Unborn children cannot be seen, so 100% is not achievable"),
    ("contacts_3_days", "2020-03-31", "90", "authority", ""),
    ("contacts_3_days", "2021-03-31", "92", "each_team", "At least 92% in both First Response teams"),
    ("supervision_compliance", "2020-03-31", "80", "authority", ""),
    ("supervision_compliance", "2021-03-31", "90", "each_team", "At least 90% all teams"),
    ("pre_proceedings_weeks", "2020-03-31", "20", "authority", "20 weeks"),
    ("pre_proceedings_weeks", "2021-03-31", "18", "authority", "18-20 weeks"),
    ("care_proceedings_weeks", "2020-03-31", "26", "authority", "Statutory 26 weeks"),
    ("care_proceedings_weeks", "2021-03-31", "26", "authority", "Statutory 26 weeks"),
    ("audit_good_or_better", "2020-03-31", "60", "authority", ""),
    ("audit_good_or_better", "2021-03-31", "75", "authority", ""),
    ("audit_inadequate", "2020-03-31", "10", "authority", ""),
    ("audit_inadequate", "2021-03-31", "5", "authority", ""),
    ("cic_up_to_date_plan", "2020-03-31", "90", "authority", ""),
    ("cic_up_to_date_plan", "2021-03-31", "95", "authority", ""),
    ("pathway_plans_16plus", "2020-03-31", "85", "authority", ""),
    ("pathway_plans_16plus", "2021-03-31", "95", "authority", ""),
    ("permanence_by_second_review", "2020-03-31", "95", "authority", ""),
    ("permanence_by_second_review", "2021-03-31", "95", "authority", ""),
    ("statutory_visits_timescale", "2020-07-31", "90", "authority", "Inspection ready by end of July"),
    ("statutory_visits_timescale", "2021-03-31", "95", "authority", "95% overall"),
    ("statutory_visits_timescale", "2021-03-31", "90", "each_team", "No team below 90%"),
    ("sw_vacancy_rate", "2020-03-31", "15", "authority", ""),
    ("sw_vacancy_rate", "2021-03-31", "10", "authority", ""),
    ("vacant_posts", "2020-03-31", "40", "authority", ""),
    ("vacant_posts", "2021-03-31", "25", "authority", ""),
    ("agency_rate", "2020-03-31", "12", "authority", ""),
    ("agency_rate", "2021-03-31", "8", "authority", ""),
    ("average_caseload", "2020-03-31", "20", "authority", ""),
    ("average_caseload", "2021-03-31", "18", "authority", "No more than 18 children per social worker"),
]

INSPECTIONS = [
    # date (published), framework, area, grade
    ("2016-12-20", "SIF", "Overall effectiveness", "Requires improvement"),
    ("2016-12-20", "SIF", "Children who need help and protection", "Requires improvement"),
    ("2016-12-20", "SIF", "Children looked after and achieving permanence", "Requires improvement"),
    ("2016-12-20", "SIF", "Adoption performance", "Good"),
    ("2016-12-20", "SIF", "Experiences and progress of care leavers", "Requires improvement"),
    ("2016-12-20", "SIF", "Leadership, management and governance", "Requires improvement"),
    ("2019-03-08", "ILACS", "Overall effectiveness", "Good"),
    ("2019-03-08", "ILACS", "The impact of leaders on social work practice with children and families", "Good"),
    ("2019-03-08", "ILACS", "The experiences and progress of children who need help and protection", "Requires improvement"),
    ("2019-03-08", "ILACS", "The experiences and progress of children in care and care leavers", "Good"),
    ("2020-02-14", "Focused visit", "Front door: contacts, referrals and assessments",
     "Areas for improvement identified; no areas for priority action"),
    ("2020-11-27", "Assurance visit", "Overall",
     "Children are safe; leaders responded well to the pandemic"),
]

# ---------------------------------------------------------------------------
# The extracts: how each series behaves
# ---------------------------------------------------------------------------
# Percent measures with natural counts are simulated as binomial draws around
# a "typical" rate.  The rate moves along straight lines between anchors
# (authority level, in percent), in logit space so it never leaves 0-100.
# Each team has a persistent offset (logit units) - the spread between teams
# the committee papers talk about - plus a little autocorrelated drift.
#
# kind "flow": the denominator is a count of events in the month (assessments,
#   visits due), drawn as Poisson around the team's mean.
# kind "snapshot": the denominator is a caseload at month end (children in
#   care, staff), which changes slowly.
# ceiling: the highest achievable rate (children seen: unborn children can
#   never be seen).
# covid: how far (logit units) the rate falls at the worst of spring 2020.
#
# The small Disabled Children teams and staff counts give monthly counts of
# 1-5, which later exercises small-number suppression.
RATE_SERIES = {
    "assessment_timeliness": dict(
        kind="flow", ceiling=1.0, covid=0.7, drift=0.12,
        anchors=[("2018-04", 64), ("2019-03", 72), ("2019-10", 88),
                 ("2020-03", 89), ("2020-09", 92), ("2021-03", 93.5)],
        teams={"fr_north": (70, 0.4), "fr_south": (55, -0.2),
               "loc_east": (12, 1.1), "loc_west": (10, -1.1),
               "loc_north": (7, 0.3), "loc_south": (9, -0.6),
               "dc_east": (4, 1.0), "dc_west": (3, -0.9)}),
    "seen_within_5_days": dict(
        kind="flow", ceiling=0.93, covid=0.8, drift=0.12,
        anchors=[("2018-04", 40), ("2019-03", 55), ("2020-03", 73),
                 ("2020-09", 76), ("2021-03", 81)],
        teams={"fr_north": (78, 0.3), "fr_south": (62, -0.3),
               "dc_east": (5, 0.2), "dc_west": (4, -0.4)}),
    "contacts_3_days": dict(
        kind="flow", ceiling=1.0, covid=0.5, drift=0.10,
        anchors=[("2018-04", 82), ("2019-03", 88), ("2020-03", 92),
                 ("2021-03", 95)],
        teams={"fr_north": (380, 0.25), "fr_south": (300, -0.25)}),
    "supervision_compliance": dict(
        kind="snapshot", ceiling=1.0, covid=0.3, drift=0.15,
        anchors=[("2018-04", 58), ("2019-03", 66), ("2020-03", 80),
                 ("2021-03", 89)],
        teams={"fr_north": (12, 0.2), "fr_south": (10, -0.3),
               "loc_east": (14, 0.8), "loc_west": (12, -0.8),
               "loc_north": (9, 0.1), "loc_south": (11, -0.4),
               "cic_north": (10, 0.5), "cic_south": (8, 0.0),
               "cl_north": (7, 1.2), "cl_south": (6, -0.2),
               "dc_east": (6, 0.9), "dc_west": (5, -0.6)}),
    "cic_up_to_date_plan": dict(
        kind="snapshot", ceiling=1.0, covid=0.4, drift=0.10,
        anchors=[("2018-04", 82), ("2019-03", 87), ("2020-03", 92),
                 ("2021-03", 95.5)],
        teams={"cic_north": (190, 0.3), "cic_south": (160, -0.3),
               "dc_east": (26, 0.6), "dc_west": (21, -0.5)}),
    "pathway_plans_16plus": dict(
        kind="snapshot", ceiling=1.0, covid=0.6, drift=0.10,
        anchors=[("2018-04", 70), ("2019-03", 77), ("2020-03", 87),
                 ("2021-03", 94)],
        teams={"cic_north": (45, -0.5), "cic_south": (38, -0.7),
               "cl_north": (120, 0.6), "cl_south": (95, 0.2)}),
    # The October 2019 step is a records cleanse: many children had a
    # permanence plan that had not been recorded (the seeds describe 85% -> 98%).
    "permanence_by_second_review": dict(
        kind="snapshot", ceiling=1.0, covid=0.3, drift=0.08,
        anchors=[("2018-04", 79), ("2019-09", 85), ("2019-10", 96.5),
                 ("2021-03", 97.5)],
        teams={"cic_north": (150, 0.2), "cic_south": (125, -0.2),
               "dc_east": (18, 0.5), "dc_west": (14, -0.8)}),
    "statutory_visits_timescale": dict(
        kind="flow", ceiling=1.0, covid=1.0, drift=0.12,
        anchors=[("2018-04", 78), ("2019-03", 84), ("2020-03", 89),
                 ("2020-07", 91), ("2021-03", 95.5)],
        teams={"loc_east": (110, 0.6), "loc_west": (95, -1.0),
               "loc_north": (70, 0.2), "loc_south": (85, -0.3),
               "cic_north": (130, 0.4), "cic_south": (110, 0.0),
               "dc_east": (30, 0.9), "dc_west": (24, -0.5)}),
}

# Quarterly case audits, authority-wide.  Fewer audits in Q1 2020/21, when
# audit staff were redeployed during lockdown.
AUDIT_CASES = {"default": 48, "2020-06": 24}
AUDIT_GOOD_ANCHORS = [("2018-06", 40), ("2019-03", 50), ("2020-03", 62),
                      ("2021-03", 77)]
AUDIT_INADEQUATE_ANCHORS = [("2018-06", 16), ("2019-03", 12), ("2020-03", 8),
                            ("2021-03", 4)]

# Public Law Outline tracker.  Pre-proceedings are held by Localities teams;
# the authority figure is the average over all open cases.  Care proceedings
# lengthened from spring 2020 as final hearings were delayed.
PRE_PROCEEDINGS_ANCHORS = [("2018-04", 31), ("2019-03", 29), ("2019-06", 28.5),
                           ("2020-03", 21), ("2020-06", 16.5), ("2021-03", 16.5)]
PRE_PROCEEDINGS_TEAMS = {"loc_east": (7, -2.5), "loc_west": (6, 3.5),
                         "loc_north": (4, -1.0), "loc_south": (5, 1.0)}
CARE_PROCEEDINGS_ANCHORS = [("2018-04", 41), ("2019-03", 36), ("2020-03", 30),
                            ("2020-06", 32), ("2020-12", 41), ("2021-03", 39)]

# Workforce.  The establishment grew after a growth bid; vacancies peaked at
# 45 posts (about 16%) in March 2020 and fell sharply after a summer 2020
# assessment day, as in the seeds.  Agency staff cover most vacancies.
ESTABLISHMENT_ANCHORS = [("2018-04", 262), ("2019-10", 270), ("2020-03", 275),
                         ("2021-03", 284)]
VACANT_POSTS_ANCHORS = [("2018-04", 38), ("2019-03", 41), ("2020-03", 45),
                        ("2020-06", 43), ("2020-08", 26), ("2021-03", 21)]
AGENCY_SHARE_OF_VACANCIES = 0.8
# Authority caseload anchors; teams differ by a fixed number of cases per
# social worker (Localities carry the heaviest caseloads).  Team FTE are the
# case-holding staff in each team.
CASELOAD_ANCHORS = [("2018-04", 21.5), ("2020-03", 20.0), ("2020-06", 22.0),
                    ("2020-09", 20.5), ("2021-03", 18.0)]
CASELOAD_TEAMS = {"fr_north": (12.0, -1.5), "fr_south": (10.0, -1.0),
                  "loc_east": (13.5, 2.0), "loc_west": (11.5, 4.0),
                  "loc_north": (8.5, 2.5), "loc_south": (10.5, 3.0),
                  "cic_north": (9.5, -0.5), "cic_south": (8.0, 0.5),
                  "cl_north": (6.5, 2.0), "cl_south": (5.5, 1.5),
                  "dc_east": (5.5, -4.0), "dc_west": (4.5, -3.5)}

# Annual: care leavers aged 19-21 in touch (SSDA903 return, year to 31 March).
CARE_LEAVERS_IN_TOUCH = [("2019-03-31", 262, 0.86), ("2020-03-31", 276, 0.90),
                         ("2021-03-31", 291, 0.925)]

# Benchmarks, annual at 31 March.  Plausible published-style figures, not
# real statistics (for scale: England's 2024/25 assessment timeliness was
# 85.7%).
BENCHMARKS = [
    # measure_id, comparator, {year: value}
    ("assessment_timeliness", "England", {2018: 82.7, 2019: 83.1, 2020: 84.1}),
    ("assessment_timeliness", "Statistical neighbours", {2018: 80.9, 2019: 84.2, 2020: 86.0}),
    ("pathway_plans_16plus", "England", {2018: 86.0, 2019: 87.0, 2020: 88.0}),
    ("care_leavers_in_touch", "England", {2018: 88.0, 2019: 89.0, 2020: 90.0}),
    ("sw_vacancy_rate", "England", {2018: 17.0, 2019: 16.4, 2020: 16.0}),
    ("sw_vacancy_rate", "Statistical neighbours", {2018: 15.2, 2019: 14.8, 2020: 14.1}),
    ("agency_rate", "England", {2018: 15.8, 2019: 15.4, 2020: 15.4}),
    ("average_caseload", "England", {2018: 17.8, 2019: 17.4, 2020: 16.3}),
]

# Which extract file each monthly measure arrives in.  Case-management
# measures come from Mosaic, split by financial year; the rest have their own
# owners (the audit team, the legal tracker, HR).
MOSAIC_MEASURES = list(RATE_SERIES)
EXTRACT_COLUMNS = ["measure_id", "period_end", "period_type", "team_id",
                   "value", "numerator", "denominator"]

# ---------------------------------------------------------------------------
# Ratings: judgements, narrative evidence and further actions, by quarter
# ---------------------------------------------------------------------------
RATING_DATES = ["2019-06-30", "2019-09-30", "2019-12-31", "2020-03-31",
                "2020-06-30", "2020-09-30", "2020-12-31", "2021-03-31"]

# Impact is not judged for the first two quarters (too early to see change).
# 2019-2 worsens once, in June 2020, when court delays hit.
RAG = {
    "2019-1": ("RAAGGGGG", "--RAAAGG"),
    "2019-2": ("AAGGAGGG", "--AARAAA"),
    "2019-3": ("RRAAAGGG", "--RRAAAG"),
    "2019-4": ("AAAGGGGG", "--AAAAGG"),
    "2019-5": ("RAAAAAGG", "--RRAAAA"),
    "2019-6": ("RRAAAAGG", "--RRRAAA"),
}

# Narrative written by the lead, one entry per rating date.  The generator
# appends a sentence quoting the latest figures, so text and data agree.
# Some entries contain line breaks and quotation marks, as text pasted into an
# Excel cell does, to exercise CSV quoting.
EVIDENCE = {
    "2019-1": [
        "The improvement plan was agreed by the Senior Leadership Team in May 2019 following the ILACS inspection. A weekly assessment tracker has been introduced in First Response so that managers can see every assessment approaching 45 working days.",
        "The weekly tracker is now used in all First Response and Localities teams, and team managers review overdue assessments at the monthly performance meeting chaired by the Assistant Director. Practice guidance on proportionate assessment has been reissued.",
        "All assessment teams are using the tracker and timeliness has improved, although the gap between the strongest and weakest teams remains wide. The front door screening process has been reviewed so that contacts are resolved within 3 working days.",
        "The March 2020 target of 85% has been met authority-wide. Localities West has had additional management capacity since January to address its backlog of older assessments.",
        "Timeliness dipped in April and May 2020 as visits moved to a risk-assessed model during the first national lockdown. Every open child was risk-rated and children rated red were seen face to face throughout.",
        "Timeliness has recovered to pre-pandemic levels. New Signs of Safety assessment forms went live in First Response in August 2020 and early feedback from staff is positive.",
        "Performance has been sustained through the autumn despite higher demand after schools returned. Dip audits show that the quality of assessments is improving alongside timeliness:\n- most assessments audited were graded good or better\n- the child's voice was clearly recorded in 9 of 10 cases",
        "Timeliness has stayed at or close to 90% or better since the summer, and children are seen more quickly after referral. Teams below the 95% target have individual improvement plans agreed with their service manager.",
    ],
    "2019-2": [
        "A legal gateway tracker has been set up to record every family in pre-proceedings, with the dates of the letter before proceedings and each review meeting. Heads of service and legal services review the tracker fortnightly.",
        "All families in pre-proceedings now have a review date on the tracker and the average length of open pre-proceedings is starting to fall. A pre-birth assessment pathway has been drafted with midwifery colleagues.",
        "The revised Public Law Outline process is in place across all Localities teams. The local Family Justice Board has noted an improvement in the quality and timeliness of applications to court.",
        "Pre-proceedings cases are now reviewed at 12 and 16 weeks, so that decisions to step down or to issue proceedings are made without drift. Audit evidence shows letters before proceedings are clearer and written in plain language for parents.",
        "Courts adjourned hearings or moved them online from March 2020 and final hearings have been delayed, so care proceedings are taking longer. The implementation rating has been moved back to Amber while a recovery plan with the courts is agreed.",
        "A recovery plan with the Family Justice Board and HMCTS is in place, and the pre-proceedings tracker has moved into Mosaic so managers can see drift as it happens. Pre-proceedings are now below the March 2021 target on average.",
        "Pre-proceedings timeliness has been sustained. Care proceedings remain longer than 26 weeks because of court backlogs, a national issue; every case over 26 weeks is reviewed by the Head of Service with the council's solicitor.",
        "The PLO thematic audit (February 2021) found purposeful work in pre-proceedings in most cases, with \"clear, written expectations\" shared with parents. Court backlogs still lengthen care proceedings, so impact remains Amber.",
    ],
    "2019-3": [
        "The supervision policy has been revised to require monthly supervision for every social worker and a recorded management oversight entry on every case at least every 3 months. Compliance is low, partly because supervision is not consistently recorded in Mosaic.",
        "A supervision recording template has been added to Mosaic and team managers have been trained to use it. Recorded compliance is rising but remains below 70% in several teams.",
        "The Planning Campaign launched in November 2019 with a practice leader in every team. The Q3 audit found \"clear, child-focused plans\" in just over half of the cases audited; too many plans are still a list of services rather than outcomes for the child.",
        "Recorded supervision has improved in every service area. The Q4 thematic audit of care planning found fewer plans graded inadequate, with contingency planning the main weakness.",
        "Supervision has continued virtually during lockdown and compliance has held up, although some sessions were shorter. Planning Campaign workshops moved online from May 2020 and attendance has been high.",
        "A practice supervisor development programme has started for team managers. Audits in Q2 show better management oversight:\n\"Decisions are recorded with reasons, and the next steps for the child are clear.\"\n(Q2 audit moderation panel)",
        "Audit grades continue to improve and management oversight is now evident on most case files. Independent Reviewing Officers are escalating fewer plans for drift.",
        "Audit grades have improved steadily over the life of the plan and plans are more specific, with clearer timescales. Independent Reviewing Officers report the same improvement, so impact is now rated Green.",
    ],
    "2019-4": [
        "Care leavers' views on the current pathway plan were gathered through the Children in Care Council. Personal advisers now start pathway planning at 15 years and 9 months for every child in care.",
        "A pathway plan tracker lists every young person aged 16 or over without an up to date plan, and team managers review it monthly. Training on writing plans with young people has been delivered to all personal advisers.",
        "A new pathway plan format, co-produced with care leavers, has been agreed. The proportion of young people with an up to date pathway plan continues to improve.",
        "The new pathway plan format went live in February 2020. More young people are staying with their foster carers after 18 under Staying Put arrangements.",
        "Personal advisers kept in touch with every care leaver during lockdown, mostly by phone and video. Pathway plan reviews continued virtually, although a small number were delayed.",
        "Pathway plan timeliness has recovered. Care leavers told the Corporate Parenting Board that the new plans are \"shorter, and about me\".",
        "An audit of pathway plans in November 2020 found that most plans were written with the young person and set out clear steps towards independence.",
        "Pathway plan performance has been sustained and young people's feedback on their plans is consistently positive.",
    ],
    "2019-5": [
        "Permanence planning guidance for children whose plan is not adoption has been drafted. The Permanence Panel will oversee every long-term fostering match and special guardianship plan.",
        "A review of every child without a recorded permanence plan after their second review has started and will report in October 2019. Independent Reviewing Officers now record the permanence decision explicitly at the second review.",
        "The October 2019 review found that many children had a permanence plan that had not been recorded in Mosaic; correcting the records raised the recorded figure from about 85% to around 95%.",
        "Permanence Panel paperwork has been revised with more focus on the matching meeting. More children are being considered at panel and long-term fostering matches are being confirmed sooner.",
        "Court delays since March 2020 have slowed some permanence decisions, particularly special guardianship orders. The Permanence Panel has continued to meet virtually.",
        "The permanence thematic audit (May to July 2020) found clear, early decision-making in most cases. A dedicated worker now supports children whose plan is long-term fostering but who do not yet have a permanent home identified.",
        "Life story work is now in place for more children in long-term placements. Independent Reviewing Officers report that permanence decisions are better recorded at reviews.",
        "Almost all children in care who have had a second review have a recorded permanence plan. Impact remains Amber because court delays mean some children are waiting longer for legal permanence.",
    ],
    "2019-6": [
        "A Recruitment and Retention Strategy has been agreed, including a market supplement for experienced social workers in Localities teams. Vacancies remain high and agency staff cover most of them.",
        "A recruitment campaign ran over the summer and a career progression framework has been agreed. Turnover among newly qualified social workers is still a concern.",
        "Recruitment is improving but the number of vacant posts has not yet fallen, because the establishment grew after the growth bid was approved. The Academy for newly qualified social workers has its first cohort of 14.",
        "Vacancy and agency rates remain above target. Exit interviews show that caseloads and travel time are the main reasons social workers leave.",
        "A virtual assessment day for recruitment is being designed. Caseloads in Localities rose in spring 2020 as child protection and court work increased during lockdown.",
        "A virtual assessment day in July 2020 recruited permanent social workers into most Localities vacancies, and vacant posts have fallen sharply since March 2020. Agency use is reducing as permanent staff start.",
        "The vacancy rate has continued to fall. A staff wellbeing survey was launched in September 2020 and trauma-informed support for staff has been commissioned.",
        "Vacancy and agency rates are now well below their 2018 and 2019 levels. Caseloads have fallen but remain higher in Localities teams, so the impact rating stays Amber.",
    ],
}

FURTHER_ACTIONS = {
    "2019-1": [
        "Extend the assessment tracker to Localities and Disabled Children teams by September 2019. Agree a shared definition of 'seen' for unborn children with the performance team.",
        "Review the front door screening process and the consistency of threshold decisions by December 2019. Team managers of teams below 75% to agree improvement targets with their service manager.",
        "Add Localities West to the weekly overdue-assessment huddle chaired by the Head of Service. Change the report on children seen so that it counts working days rather than calendar days.",
        "Maintain oversight of assessment timeliness through any disruption from Covid-19. Set a stretch target of 95% in every team for March 2021.",
        "Recover timeliness to pre-lockdown levels by September 2020. Review every assessment that exceeded 45 working days in April and May to check that no child was left without help.",
        "Roll out the new assessment forms to Localities and Disabled Children teams by January 2021. Continue the monthly focus on the teams below 85%.",
        "Complete a thematic audit of assessment quality in February 2021. Embed timeliness as business as usual, monitored through service delivery plans.",
        "Carry the 95% all-teams ambition into the 2021-23 plan. Report team-level timeliness to the Overview and Scrutiny Committee in each quarterly update.",
    ],
    "2019-2": [
        "Agree escalation points with legal services for cases in pre-proceedings beyond 16 weeks. Train Localities team managers on the revised PLO process by September 2019.",
        "Launch the pre-birth assessment pathway by January 2020. Add pre-proceedings steps to Mosaic so that the tracker no longer depends on a spreadsheet.",
        "Continue fortnightly tracker reviews. Pilot Family Group Conferences before proceedings in two Localities teams from March 2020.",
        "Sustain progress, and agree with the courts how urgent hearings will be prioritised if Covid-19 restrictions continue.",
        "Agree a recovery plan with the Family Justice Board by August 2020. Review every child in proceedings beyond 26 weeks to make sure their plan and placement remain right for them.",
        "Complete the Mosaic pre-proceedings dashboard by January 2021. Restart the Family Group Conference pilot, delayed by Covid-19, in October 2020.",
        "Complete the PLO thematic audit by February 2021 and report its findings to the Senior Management Team. Continue joint work with HMCTS to list final hearings.",
        "Carry care proceedings timeliness into the 2021-23 plan, as duration depends on court recovery. Share the audit's learning through practice workshops in April 2021.",
    ],
    "2019-3": [
        "Add a supervision recording template to Mosaic by August 2019. Report supervision compliance by team to the monthly performance meeting.",
        "Launch the Planning Campaign in November 2019 with a named practice leader in each team. Team managers below 70% compliance to agree improvement plans with their service manager.",
        "Complete the Q4 thematic audit of care planning. Provide SMART planning workshops for all social workers by March 2020.",
        "Move Planning Campaign workshops online if face-to-face learning is suspended. Start the practice supervisor development programme in the summer.",
        "Keep supervision compliance under weekly review while staff work from home. Deliver virtual SMART planning sessions to every team by September 2020.",
        "Extend the audit moderation panel to include Independent Reviewing Officers. Launch the middle leaders development programme in the autumn.",
        "Complete the third wave of the practice supervisor programme. Align the quality assurance framework so that audit findings feed directly into team plans.",
        "Sustain audit performance and move supervision compliance into service delivery plans. Keep the care planning audit cycle in the 2021-23 plan.",
    ],
    "2019-4": [
        "Introduce a monthly pathway plan tracker by September 2019. Agree a co-produced plan format with the Children in Care Council.",
        "Finalise the new pathway plan format by December 2019. Plan the launch with personal advisers and Independent Reviewing Officers.",
        "Launch the new format in February 2020. Increase the number of Staying Put arrangements.",
        "Audit the first plans written in the new format by June 2020. Review the local offer for care leavers.",
        "Complete any pathway plan reviews delayed by lockdown by August 2020. Make sure every care leaver has a device and data to stay in touch.",
        "Publish the refreshed local offer for care leavers. Complete a thematic audit of pathway plans in November 2020.",
        "Act on the audit's findings about housing options in pathway plans. Offer personal adviser support to age 25 to every care leaver who wants it.",
        "Move pathway plan performance into the Children in Care service delivery plan. Keep care leavers' feedback as a standing item at the Corporate Parenting Board.",
    ],
    "2019-5": [
        "Agree the permanence guidance and the Permanence Panel's terms of reference by September 2019. Review all children without a recorded permanence plan.",
        "Complete the review of unrecorded permanence plans in October 2019. Add a permanence decision step to the review of arrangements in Mosaic.",
        "Revise Permanence Panel paperwork by March 2020. Brief Independent Reviewing Officers on challenging drift.",
        "Build permanence indicators in Mosaic. Agree with the courts how special guardianship assessments will be prioritised.",
        "Track every child whose permanence plan is delayed by the courts. Recruit a dedicated worker for children awaiting a long-term fostering match.",
        "Share the learning from the permanence thematic audit with teams. Roll out training on the role of the Permanence Panel to newly qualified social workers.",
        "Continue twice-yearly audits of children placed with parents. Complete the permanence steps in Mosaic by March 2021.",
        "Keep permanence for children whose plan is not adoption as a priority in the 2021-23 plan. Report time from second review to permanence match once the Mosaic steps are live.",
    ],
    "2019-6": [
        "Run a summer recruitment campaign. Agree a career progression framework by September 2019.",
        "Launch the Academy for newly qualified social workers in October 2019. Introduce exit interviews for every leaver.",
        "Use exit interview findings to shape the retention offer. Review caseload allocation in Localities teams.",
        "Design an assessment day model for recruitment. Agree a caseload cap for newly qualified social workers.",
        "Pilot a virtual assessment day in July 2020. Monitor caseloads weekly in Localities while court work is delayed.",
        "Hold further assessment days every quarter. Launch the staff wellbeing survey.",
        "Commission trauma-informed support for staff, starting in Q4. Report turnover and agency rates to the Overview and Scrutiny Committee each quarter.",
        "Continue the Recruitment and Retention Strategy in the 2021-23 plan with a focus on retaining experienced social workers. Bring Localities caseloads down to the service average.",
    ],
}

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def month_ends(first=FIRST_MONTH, last=LAST_MONTH) -> list[dt.date]:
    out = []
    year, month = first
    while (year, month) <= last:
        out.append(month_end(year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


MONTHS = month_ends()
QUARTER_ENDS = [d for d in MONTHS if d.month in (3, 6, 9, 12)]


def month_index(d) -> int:
    """Months since year 0, so anchors interpolate evenly across year ends."""
    if isinstance(d, str):  # "YYYY-MM"
        year, month = int(d[:4]), int(d[5:7])
    else:
        year, month = d.year, d.month
    return year * 12 + month - 1


def interp(anchors, d) -> float:
    """Piecewise-linear value at d; flat before the first / after the last anchor."""
    xs = [month_index(a) for a, _ in anchors]
    ys = [v for _, v in anchors]
    return float(np.interp(month_index(d), xs, ys))


def logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def covid(d: dt.date) -> float:
    return COVID_PROFILE.get((d.year, d.month), 0.0)


def rng_for(*name: str) -> np.random.Generator:
    """An independent, reproducible generator for one named series."""
    key = zlib.crc32("/".join(name).encode("utf-8"))
    return np.random.default_rng([SEED, key])


def ar1(rng, n: int, sd: float, phi: float = 0.6) -> list[float]:
    """Autocorrelated drift, so month-to-month movement looks like real data."""
    out, e = [], 0.0
    for _ in range(n):
        e = phi * e + float(rng.normal(0.0, sd))
        out.append(e)
    return out


def pct(num: int, den: int) -> str:
    return f"{100.0 * num / den:.1f}"


def fmt1(x: float) -> str:
    return f"{x:.1f}"


def iso(d: dt.date) -> str:
    return d.isoformat()


def month_label(d: dt.date) -> str:
    return f"{MONTH_NAMES[d.month - 1]} {d.year}"


def financial_year(d: dt.date) -> str:
    start = d.year if d.month >= 4 else d.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def row(measure_id, period_end, period_type, team_id, value, num="", den=""):
    return {"measure_id": measure_id, "period_end": iso(period_end),
            "period_type": period_type, "team_id": team_id, "value": value,
            "numerator": "" if num == "" else str(num),
            "denominator": "" if den == "" else str(den)}


# ---------------------------------------------------------------------------
# Series generators.  Each returns extract rows (dicts).
# ---------------------------------------------------------------------------


def rate_series(measure_id: str, spec: dict) -> list[dict]:
    """Team numerators/denominators by month, plus an ALL row that sums them."""
    ceiling = spec["ceiling"]
    rows = []
    totals = {d: [0, 0] for d in MONTHS}
    for team_id, (size, offset) in spec["teams"].items():
        rng = rng_for(measure_id, team_id)
        drift = ar1(rng, len(MONTHS), spec["drift"])
        for i, d in enumerate(MONTHS):
            if spec["kind"] == "flow":
                den = int(rng.poisson(size))
            else:
                den = int(round(rng.normal(size, max(0.5, 0.03 * size))))
            den = max(1, den)  # a team always has some activity in a month
            base = interp(spec["anchors"], d) / 100.0 / ceiling
            x = logit(base) + offset + drift[i] - spec["covid"] * covid(d)
            p = ceiling * expit(x)
            num = int(rng.binomial(den, p))
            rows.append(row(measure_id, d, "month", team_id, pct(num, den), num, den))
            totals[d][0] += num
            totals[d][1] += den
    for d, (num, den) in totals.items():
        rows.append(row(measure_id, d, "month", "ALL", pct(num, den), num, den))
    return rows


def audit_series() -> list[dict]:
    """Quarterly audits: good-or-better and inadequate share one sample of cases."""
    rng = rng_for("audits")
    rows = []
    for d in QUARTER_ENDS:
        den = AUDIT_CASES.get(f"{d.year}-{d.month:02d}", AUDIT_CASES["default"])
        den = int(den + rng.integers(-4, 5))
        p_good = interp(AUDIT_GOOD_ANCHORS, d) / 100.0
        p_inad = interp(AUDIT_INADEQUATE_ANCHORS, d) / 100.0
        good = int(rng.binomial(den, p_good))
        # Inadequate cases come from those not graded good, so good + inadequate <= audited.
        inadequate = int(rng.binomial(den - good, min(1.0, p_inad / (1.0 - p_good))))
        rows.append(row("audit_good_or_better", d, "quarter", "ALL", pct(good, den), good, den))
        rows.append(row("audit_inadequate", d, "quarter", "ALL", pct(inadequate, den), inadequate, den))
    return rows


def plo_series() -> list[dict]:
    """Weeks measures: values only (averages, not counts)."""
    rows = []
    totals = {d: [0.0, 0] for d in MONTHS}
    for team_id, (cases_mean, offset) in PRE_PROCEEDINGS_TEAMS.items():
        rng = rng_for("pre_proceedings_weeks", team_id)
        for d in MONTHS:
            cases = max(1, int(rng.poisson(cases_mean)))
            weeks = max(4.0, interp(PRE_PROCEEDINGS_ANCHORS, d) + offset + float(rng.normal(0, 1.5)))
            weeks = round(weeks, 1)
            rows.append(row("pre_proceedings_weeks", d, "month", team_id, fmt1(weeks)))
            totals[d][0] += weeks * cases
            totals[d][1] += cases
    for d, (week_cases, cases) in totals.items():
        rows.append(row("pre_proceedings_weeks", d, "month", "ALL", fmt1(week_cases / cases)))
    rng = rng_for("care_proceedings_weeks")
    for d in MONTHS:
        # A 12-month rolling average, so it moves smoothly.
        weeks = interp(CARE_PROCEEDINGS_ANCHORS, d) + float(rng.normal(0, 0.6))
        rows.append(row("care_proceedings_weeks", d, "month", "ALL", fmt1(weeks)))
    return rows


def workforce_series() -> list[dict]:
    """Vacancy, vacant posts and agency rate authority-wide; caseload by team too."""
    rng = rng_for("workforce")
    rows = []
    for d in MONTHS:
        establishment = interp(ESTABLISHMENT_ANCHORS, d)
        vacant = max(0, int(round(interp(VACANT_POSTS_ANCHORS, d) + rng.normal(0, 1.5))))
        in_post = establishment - vacant
        agency = max(0.0, vacant * AGENCY_SHARE_OF_VACANCIES + float(rng.normal(0, 1.5)))
        rows.append(row("sw_vacancy_rate", d, "month", "ALL", fmt1(100.0 * vacant / establishment)))
        rows.append(row("vacant_posts", d, "month", "ALL", str(vacant)))
        rows.append(row("agency_rate", d, "month", "ALL", fmt1(100.0 * agency / (agency + in_post))))
    totals = {d: [0, 0.0] for d in MONTHS}
    for team_id, (fte, offset) in CASELOAD_TEAMS.items():
        rng = rng_for("average_caseload", team_id)
        drift = ar1(rng, len(MONTHS), 0.6)
        for i, d in enumerate(MONTHS):
            caseload = max(5.0, interp(CASELOAD_ANCHORS, d) + offset + drift[i])
            cases = int(round(caseload * fte))
            rows.append(row("average_caseload", d, "month", team_id, fmt1(cases / fte)))
            totals[d][0] += cases
            totals[d][1] += fte
    for d, (cases, fte) in totals.items():
        rows.append(row("average_caseload", d, "month", "ALL", fmt1(cases / fte)))
    return rows


def annual_series() -> list[dict]:
    rng = rng_for("care_leavers_in_touch")
    rows = []
    for date_text, den, p in CARE_LEAVERS_IN_TOUCH:
        num = int(rng.binomial(den, p))
        rows.append(row("care_leavers_in_touch", dt.date.fromisoformat(date_text),
                        "year", "ALL", pct(num, den), num, den))
    return rows


def sort_rows(rows: list[dict]) -> list[dict]:
    """Measure order, then date, then ALL before teams in teams.csv order."""
    team_order = {t: i for i, t in enumerate(["ALL"] + TEAM_IDS)}
    return sorted(rows, key=lambda r: (MEASURE_IDS.index(r["measure_id"]),
                                       r["period_end"], team_order[r["team_id"]]))


def build_extracts() -> dict[str, list[dict]]:
    """File name (relative to data/) -> rows, split the way they arrive."""
    mosaic = []
    for measure_id in MOSAIC_MEASURES:
        mosaic.extend(rate_series(measure_id, RATE_SERIES[measure_id]))
    files = {}
    for fy in sorted({financial_year(d) for d in MONTHS}):
        files[f"mosaic_{fy}.csv"] = sort_rows(
            [r for r in mosaic if financial_year(dt.date.fromisoformat(r["period_end"])) == fy])
    files["audits.csv"] = sort_rows(audit_series())
    files["plo_tracker.csv"] = sort_rows(plo_series())
    files["workforce.csv"] = sort_rows(workforce_series())
    files["annual_returns.csv"] = sort_rows(annual_series())
    return files


# ---------------------------------------------------------------------------
# Ratings text: narrative plus a sentence quoting the latest figures
# ---------------------------------------------------------------------------


class Lookup:
    """Read back generated values for the evidence sentences."""

    def __init__(self, extracts: dict[str, list[dict]]):
        self.rows = {}
        for rows in extracts.values():
            for r in rows:
                self.rows[(r["measure_id"], r["team_id"], r["period_end"])] = r

    def value(self, measure_id, d, team_id="ALL") -> str:
        return self.rows[(measure_id, team_id, iso(d))]["value"]

    def get(self, measure_id, d, team_id="ALL") -> dict | None:
        return self.rows.get((measure_id, team_id, iso(d)))

    def team_range(self, measure_id, d, min_denominator=0) -> tuple[str, str]:
        """Lowest and highest team values; reports leave out very small teams."""
        values = [float(r["value"]) for t in TEAM_IDS
                  if (r := self.get(measure_id, d, t)) is not None
                  and (r["denominator"] == "" or int(r["denominator"]) >= min_denominator)]
        return fmt1(min(values)), fmt1(max(values))


def data_sentence(rec_id: str, d: dt.date, data: Lookup) -> str:
    when = month_label(d)
    if rec_id == "2019-1":
        lo, hi = data.team_range("assessment_timeliness", d, min_denominator=10)
        return (f"In {when}, {data.value('assessment_timeliness', d)}% of assessments "
                f"were completed within 45 working days (teams completing 10 or more "
                f"ranged from {lo}% to {hi}%), and "
                f"{data.value('seen_within_5_days', d)}% of children were "
                f"seen within 5 working days of referral.")
    if rec_id == "2019-2":
        return (f"In {when}, open pre-proceedings cases had lasted "
                f"{data.value('pre_proceedings_weeks', d)} weeks on average, and care "
                f"proceedings concluded in the previous 12 months had taken "
                f"{data.value('care_proceedings_weeks', d)} weeks on average.")
    if rec_id == "2019-3":
        good = data.get("audit_good_or_better", d)
        inad = data.get("audit_inadequate", d)
        return (f"In {when}, {data.value('supervision_compliance', d)}% of staff were "
                f"supervised in line with policy and "
                f"{data.value('statutory_visits_timescale', d)}% of statutory visits "
                f"were in timescale. In the quarter's audits, {good['numerator']} of "
                f"{good['denominator']} cases ({good['value']}%) were graded good or "
                f"better and {inad['numerator']} ({inad['value']}%) inadequate.")
    if rec_id == "2019-4":
        lo, hi = data.team_range("pathway_plans_16plus", d)
        text = (f"In {when}, {data.value('pathway_plans_16plus', d)}% of young people "
                f"aged 16 and over had an up to date pathway plan (teams ranged from "
                f"{lo}% to {hi}%).")
        annual = data.get("care_leavers_in_touch", d)
        if annual is not None:
            text += (f" In the year to {d.day} {when}, the council was in touch with "
                     f"{annual['value']}% of care leavers aged 19 to 21.")
        return text
    if rec_id == "2019-5":
        return (f"In {when}, {data.value('permanence_by_second_review', d)}% of children "
                f"in care who had had their second review had a recorded permanence "
                f"plan, and {data.value('cic_up_to_date_plan', d)}% of children in care "
                f"had an up to date care plan.")
    if rec_id == "2019-6":
        return (f"In {when}, the social worker vacancy rate was "
                f"{data.value('sw_vacancy_rate', d)}% ({data.value('vacant_posts', d)} "
                f"vacant posts), the agency rate was {data.value('agency_rate', d)}% and "
                f"the average caseload was {data.value('average_caseload', d)} children "
                f"per social worker.")
    raise KeyError(rec_id)


def build_ratings(data: Lookup) -> list[list[str]]:
    rows = []
    for rec_id, *_ in RECOMMENDATIONS:
        implementation, impact = RAG[rec_id]
        for i, as_at in enumerate(RATING_DATES):
            d = dt.date.fromisoformat(as_at)
            narrative = EVIDENCE[rec_id][i]
            # After a pasted list, the figures go on a line of their own.
            sep = "\n" if "\n" in narrative else " "
            evidence = narrative + sep + data_sentence(rec_id, d, data)
            rows.append([rec_id, as_at, implementation[i],
                         "" if impact[i] == "-" else impact[i],
                         evidence, FURTHER_ACTIONS[rec_id][i]])
    return rows


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def write_csv(path: Path, header: list[str], rows) -> None:
    """UTF-8 without BOM, LF line ends, minimal quoting (the csv module's)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        for r in rows:
            writer.writerow([r[c] for c in header] if isinstance(r, dict) else r)


def toml_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def generate(out_dir: Path) -> list[Path]:
    """Write every file under out_dir; return the paths written."""
    plan_dir = out_dir / "cip_data"
    data_dir = out_dir / "data"
    written = []

    def out(path, header, rows):
        write_csv(path, header, rows)
        written.append(path)

    plan_dir.mkdir(parents=True, exist_ok=True)
    plan_path = plan_dir / "plan.toml"
    plan_path.write_text(
        "# Sample plan for a fictional authority; generated by tools/make_sample_data.py\n"
        f"name = {toml_string(PLAN['name'])}\n"
        f"authority = {toml_string(PLAN['authority'])}\n",
        encoding="utf-8", newline="\n")
    written.append(plan_path)

    out(plan_dir / "recommendations.csv",
        ["rec_id", "title", "source", "aim", "lead", "sort_order"],
        [[rec_id, title, source, aim, lead, str(i + 1)]
         for i, (rec_id, title, source, aim, lead) in enumerate(RECOMMENDATIONS)])
    out(plan_dir / "measures.csv",
        ["measure_id", "name", "unit", "polarity", "rec_id", "definition", "tolerance"],
        [list(m) for m in MEASURES])
    out(plan_dir / "targets.csv",
        ["measure_id", "target_date", "target", "applies_to", "note"],
        [list(t) for t in TARGETS])
    out(plan_dir / "teams.csv",
        ["team_id", "team_name", "service_area", "head_of_service"],
        [list(t) for t in TEAMS])
    out(plan_dir / "inspections.csv",
        ["date", "framework", "area", "grade"],
        [list(i) for i in INSPECTIONS])

    extracts = build_extracts()
    for name, rows in extracts.items():
        out(data_dir / name, EXTRACT_COLUMNS, rows)

    out(plan_dir / "ratings.csv",
        ["rec_id", "as_at", "implementation", "impact", "evidence", "further_actions"],
        build_ratings(Lookup(extracts)))

    out(data_dir / "benchmarks" / "england.csv",
        ["measure_id", "period_end", "period_type", "comparator", "value"],
        [[measure_id, f"{year}-03-31", "year", comparator, fmt1(value)]
         for measure_id, comparator, by_year in BENCHMARKS
         for year, value in sorted(by_year.items())])
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", nargs="?", type=Path, default=REPO_ROOT,
                        help="directory to write cip_data/ and data/ into (default: repository root)")
    args = parser.parse_args(argv)
    for path in generate(args.out_dir):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
