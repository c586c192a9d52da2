"""The loader's validation rules, one bad file per rule.

Each test breaks one thing in the small valid plan of tests/plan_builder.py and asserts
that the problem names the right file, line and column (number and name). Column
numbers below count from 1 in the header the test writes.
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from cipdash.store import validate
from plan_builder import EXTRACT, PLAN, write_plan

EXTRACT_HEADER = "measure_id,period_end,period_type,team_id,value,numerator,denominator\n"
# Extract columns:  1 measure_id, 2 period_end, 3 period_type, 4 team_id, 5 value,
#                   6 numerator, 7 denominator.
RATINGS_HEADER = "rec_id,as_at,implementation,impact,evidence,further_actions\n"
# Ratings columns:  1 rec_id, 2 as_at, 3 implementation, 4 impact, 5 evidence, 6 further_actions.
BENCH_HEADER = "measure_id,period_end,period_type,comparator,value\n"


def extract(*rows: str) -> str:
    return EXTRACT_HEADER + "".join(r + "\n" for r in rows)


def check(tmp_path: Path, plan: dict | None = None, extracts: dict | None = None):
    plan_dir, data_dir = write_plan(tmp_path, plan, extracts)
    return validate(plan_dir, data_dir)


def describe(problems) -> str:
    return "\n".join(str(p) for p in problems) or "(no problems)"


def assert_at(problem, folder_file: str, line: int, column: int, name: str) -> None:
    """The problem is at folder_file (e.g. 'data/extract.csv'), line, column number and name,
    and prints as file:line:column: column 'name': message."""
    assert problem.file.replace("\\", "/").endswith(folder_file), str(problem)
    assert (problem.line, problem.column, problem.column_name) == (line, column, name), str(problem)
    prefix = f"{problem.file}:{line}:{column}:" + (f" column '{name}':" if name else "")
    assert str(problem).startswith(prefix), str(problem)


def only_error(checked):
    assert len(checked.errors) == 1, describe(checked.errors)
    return checked.errors[0]


def no_errors(checked):
    assert not checked.errors, describe(checked.errors)


# --------------------------------------------------------------------------- baseline

def test_the_builders_plan_is_valid(tmp_path):
    checked = check(tmp_path)
    no_errors(checked)
    assert not checked.warnings, describe(checked.warnings)
    assert len(checked.extracts.observations) == 9
    assert len(checked.plan.ratings) == 4


def test_problem_prints_as_file_line_column_name_message_hint(tmp_path):
    checked = check(tmp_path, extracts={"extract.csv": extract("supervision,2020-09-30,month,ALL,9%,,")})
    p = only_error(checked)
    assert re.fullmatch(r".+data/extract\.csv:2:5: column 'value': .+ \(hint: .+\)", str(p)), str(p)
    assert "without the % sign" in p.hint


# --------------------------------------------------------------------------- headers

def test_missing_required_column_in_a_plan_file(tmp_path):
    checked = check(tmp_path, plan={"recommendations.csv": "rec_id,source\nR1,ILACS 2019\nR2,ILACS 2019\n"})
    p = only_error(checked)  # and no knock-on errors in the files that refer to recommendations
    assert_at(p, "cip_data/recommendations.csv", 1, 3, "title")
    assert "required column is missing" in p.message


def test_missing_required_column_in_an_extract(tmp_path):
    checked = check(tmp_path, extracts={"extract.csv": "measure_id,team_id,value\nsupervision,ALL,80\n"})
    p = only_error(checked)
    assert_at(p, "data/extract.csv", 1, 4, "period_end")


def test_each_missing_required_column_is_named(tmp_path):
    checked = check(tmp_path, plan={"measures.csv": "measure_id,name\nsupervision,Supervision\n"})
    missing = {p.column_name for p in checked.errors if p.file.endswith("measures.csv")}
    assert missing == {"unit", "polarity"}, describe(checked.errors)
    # measures.csv could not be read, so the targets and extracts are not also flooded
    # with "measure not in measures.csv".
    assert all(p.file.endswith("measures.csv") for p in checked.errors), describe(checked.errors)


@pytest.mark.parametrize("text", ["", "\n\n", "   \n"])
def test_an_empty_file_has_no_header_and_is_an_error(tmp_path, text):
    checked = check(tmp_path, extracts={"extract.csv": text})
    p = only_error(checked)
    assert_at(p, "data/extract.csv", 1, 1, "")
    assert "header" in p.message


def test_a_file_whose_first_line_is_data_has_no_header(tmp_path):
    checked = check(tmp_path, extracts={"extract.csv": "supervision,2020-09-30,month,ALL,80,,\n"})
    p = only_error(checked)
    assert_at(p, "data/extract.csv", 1, 1, "")
    assert "not a header row" in p.message


def test_a_plan_file_whose_first_line_is_data_has_no_header(tmp_path):
    checked = check(tmp_path, plan={"ratings.csv": "R1,2020-06-30,A,,,\n"})
    p = only_error(checked)
    assert_at(p, "cip_data/ratings.csv", 1, 1, "")


@pytest.mark.parametrize("newline", ["\n", ""])
def test_header_only_files_are_valid_and_add_no_rows(tmp_path, newline):
    checked = check(tmp_path,
                    plan={"ratings.csv": RATINGS_HEADER.strip() + newline,
                          "targets.csv": "measure_id,target_date,target" + newline},
                    extracts={"extract.csv": EXTRACT_HEADER.strip() + newline,
                              "benchmarks/england.csv": BENCH_HEADER.strip() + newline})
    no_errors(checked)
    assert len(checked.plan.ratings) == 0
    assert len(checked.plan.targets) == 0
    assert len(checked.extracts.observations) == 0
    assert len(checked.extracts.benchmarks) == 0
    assert len(checked.plan.recommendations) == 2  # the rest of the plan is still read


def test_an_extra_column_is_a_warning_not_an_error(tmp_path):
    measures = PLAN["measures.csv"].replace("tolerance\n", "tolerance,owner\n", 1)
    checked = check(tmp_path, plan={"measures.csv": measures})
    no_errors(checked)
    [w] = checked.warnings
    assert_at(w, "cip_data/measures.csv", 1, 8, "owner")
    assert w.severity == "warning"


def test_an_extra_column_in_the_middle_of_an_extract_does_not_shift_the_others(tmp_path):
    text = ("measure_id,period_end,source_system,team_id,value\n"
            "supervision,2020-09-30,Mosaic,ALL,80\n"
            "supervision,2020-10-31,Mosaic,ALL,180\n")
    checked = check(tmp_path, extracts={"extract.csv": text})
    [w] = checked.warnings
    assert_at(w, "data/extract.csv", 1, 3, "source_system")
    p = only_error(checked)
    assert_at(p, "data/extract.csv", 3, 5, "value")
    assert checked.extracts.observations["value"].iloc[0] == 80.0


def test_headers_are_case_insensitive_padded_and_may_start_with_a_bom(tmp_path):
    header = "\ufeff Measure_ID ,PERIOD_END, Period_Type ,Team_ID,  Value,NUMERATOR ,Denominator\n"
    ratings = "\ufeff" + RATINGS_HEADER.upper().replace(",", " , ") + "R1,2020-06-30,A,,,\n"
    checked = check(tmp_path, plan={"ratings.csv": ratings},
                    extracts={"extract.csv": header + "supervision,2020-09-30,month,ALL,80,,\n"})
    no_errors(checked)
    assert not checked.warnings, describe(checked.warnings)
    obs = checked.extracts.observations
    assert list(obs["measure_id"]) == ["supervision"] and list(obs["value"]) == [80.0]
    assert list(checked.plan.ratings["rec_id"]) == ["R1"]


def test_a_bom_with_crlf_line_ends_from_excel(tmp_path):
    text = ("\ufeff" + extract("supervision,2020-09-30,month,ALL,80,,", "supervision,2020-10-31,month,ALL,180,,"))
    checked = check(tmp_path, extracts={"extract.csv": text.replace("\n", "\r\n").encode("utf-8")})
    p = only_error(checked)
    assert_at(p, "data/extract.csv", 3, 5, "value")


def test_a_repeated_column_name_is_an_error(tmp_path):
    checked = check(tmp_path, extracts={"extract.csv": "measure_id,period_end,value,Value\nsupervision,2020-09-30,1,2\n"})
    p = only_error(checked)
    assert_at(p, "data/extract.csv", 1, 4, "value")


def test_a_missing_required_plan_file_is_named(tmp_path):
    checked = check(tmp_path, plan={"targets.csv": None})
    p = only_error(checked)
    assert p.file.endswith("cip_data/targets.csv") and "missing" in p.message


def test_only_csv_files_directly_in_data_are_read(tmp_path):
    bad = b"\x00\x05Mac OS X resource fork \xff"
    checked = check(tmp_path, extracts={"notes.txt": "not an extract", "old/extract.csv": "anything at all",
                                        "._extract.csv": bad, "~$extract.csv": b"\x08owner\xa0\x00",
                                        "UPPER.CSV": extract("supervision,2020-10-31,month,ALL,81,,")})
    no_errors(checked)
    [w] = checked.warnings
    assert w.file.endswith("data/~$extract.csv") and "Excel" in w.message
    assert sorted(Path(f.file).name for f in checked.extracts.files) == ["UPPER.CSV", "extract.csv"]
    assert len(checked.extracts.observations) == 10


def test_optional_plan_files_may_be_absent(tmp_path):
    checked = check(tmp_path, plan={"plan.toml": None, "teams.csv": None},
                    extracts={"extract.csv": extract("supervision,2020-09-30,month,ALL,80,,")})
    no_errors(checked)


# --------------------------------------------------------------------------- dates

def test_uk_dates_are_read_day_first(tmp_path):
    ratings = RATINGS_HEADER + "R1,03/04/2020,A,,,\nR1,3/5/2020,G,,,\n"
    targets = "measure_id,target_date,target\nsupervision,31/03/2021,90\n"
    checked = check(tmp_path, plan={"ratings.csv": ratings, "targets.csv": targets},
                    extracts={"extract.csv": extract("supervision,30/09/2020,month,ALL,80,,")})
    no_errors(checked)
    assert list(checked.plan.ratings["as_at"]) == [date(2020, 4, 3), date(2020, 5, 3)]
    assert list(checked.plan.targets["target_date"]) == [date(2021, 3, 31)]
    assert pd.Timestamp(checked.extracts.observations["period_end"].iloc[0]) == pd.Timestamp("2020-09-30")


def test_us_month_first_dates_are_rejected_never_swapped(tmp_path):
    ratings = RATINGS_HEADER + "R1,2020-06-30,A,,,\nR1,09/30/2020,G,,,\n"
    targets = "measure_id,target_date,target\nsupervision,2021-03-31,90\nsupervision,03/31/2022,95\n"
    checked = check(tmp_path, plan={"ratings.csv": ratings, "targets.csv": targets},
                    extracts={"extract.csv": extract("supervision,09/30/2020,month,ALL,80,,")})
    errors = sorted(checked.errors, key=lambda p: p.file)
    assert len(errors) == 3, describe(errors)
    by_file = {Path(p.file).name: p for p in errors}
    assert_at(by_file["ratings.csv"], "cip_data/ratings.csv", 3, 2, "as_at")
    assert_at(by_file["targets.csv"], "cip_data/targets.csv", 3, 2, "target_date")
    assert_at(by_file["extract.csv"], "data/extract.csv", 2, 2, "period_end")
    assert "09/30/2020" in by_file["extract.csv"].message


@pytest.mark.parametrize("text, expected", [
    ("2020-02", date(2020, 2, 29)), ("2021-02", date(2021, 2, 28)), ("2020-09", date(2020, 9, 30)),
    ("2020-12", date(2020, 12, 31)),
])
def test_a_year_month_period_end_means_the_month_end(tmp_path, text, expected):
    checked = check(tmp_path, extracts={"extract.csv": extract(f"supervision,{text},month,ALL,80,,")})
    no_errors(checked)
    assert pd.Timestamp(checked.extracts.observations["period_end"].iloc[0]).date() == expected


@pytest.mark.parametrize("text", [
    "next March", "2020-13-01", "2020-09-31", "31/02/2020", "30-09-2020", "30/09/20", "2020/09/30",
    "2020-09-30 00:00:00", "Sept 2020", "0020-09-30", "3020-09-30", "44104",
])
def test_unreadable_period_ends_are_errors(tmp_path, text):
    checked = check(tmp_path, extracts={"extract.csv": extract("supervision,2020-08-31,month,ALL,80,,",
                                                               f"supervision,{text},month,ALL,80,,")})
    p = only_error(checked)
    assert_at(p, "data/extract.csv", 3, 2, "period_end")


@pytest.mark.parametrize("text", ["2020-13-01", "31/02/2020", "yesterday", "0020-06-30", "2020-06"])
def test_unreadable_rating_dates_are_errors(tmp_path, text):
    ratings = RATINGS_HEADER + "R1,2020-06-30,A,,,\n" + f"R2,{text},A,,,\n"
    checked = check(tmp_path, plan={"ratings.csv": ratings})
    p = only_error(checked)
    assert_at(p, "cip_data/ratings.csv", 3, 2, "as_at")


def test_a_missing_date_is_an_error(tmp_path):
    checked = check(tmp_path, plan={"ratings.csv": RATINGS_HEADER + "R1,,A,,,\n"},
                    extracts={"extract.csv": extract("supervision,,month,ALL,80,,")})
    by_file = {Path(p.file).name: p for p in checked.errors}
    assert len(checked.errors) == 2, describe(checked.errors)
    assert_at(by_file["ratings.csv"], "cip_data/ratings.csv", 2, 2, "as_at")
    assert_at(by_file["extract.csv"], "data/extract.csv", 2, 2, "period_end")


def test_a_monthly_period_end_must_be_a_month_end(tmp_path):
    checked = check(tmp_path, extracts={"extract.csv": extract("supervision,2020-09-29,month,ALL,80,,")})
    assert_at(only_error(checked), "data/extract.csv", 2, 2, "period_end")


def test_a_quarter_must_end_in_a_quarter_month(tmp_path):
    checked = check(tmp_path, extracts={"extract.csv": extract("supervision,2020-08-31,quarter,ALL,80,,",
                                                               "supervision,2020-09-30,quarter,ALL,80,,")})
    assert_at(only_error(checked), "data/extract.csv", 2, 2, "period_end")


def test_an_unknown_period_type_is_an_error(tmp_path):
    checked = check(tmp_path, extracts={"extract.csv": extract("supervision,2020-09-30,fortnight,ALL,80,,",
                                                               "supervision,2020-09-30,Quarter,ALL,80,,",
                                                               "supervision,2020-09-30,,ALL,80,,")})
    assert_at(only_error(checked), "data/extract.csv", 2, 3, "period_type")
    assert list(checked.extracts.observations["period_type"])[1:] == ["quarter", "month"]


# --------------------------------------------------------------------------- references

def test_an_unknown_measure_in_an_extract(tmp_path):
    checked = check(tmp_path, extracts={"extract.csv": extract("supervision,2020-09-30,month,ALL,80,,",
                                                               "supervison,2020-09-30,month,ALL,80,,")})
    p = only_error(checked)
    assert_at(p, "data/extract.csv", 3, 1, "measure_id")
    assert "'supervison'" in p.message and "supervision" in p.hint


def test_an_unknown_measure_in_targets(tmp_path):
    targets = PLAN["targets.csv"] + "timeliness,2021-03-31,90,,\n"
    p = only_error(check(tmp_path, plan={"targets.csv": targets}))
    assert_at(p, "cip_data/targets.csv", 6, 1, "measure_id")


def test_an_unknown_measure_in_benchmarks(tmp_path):
    bench = BENCH_HEADER + "supervision,2020-09-30,month,England,80\nnope,2020-09-30,month,England,80\n"
    p = only_error(check(tmp_path, extracts={"benchmarks/england.csv": bench}))
    assert_at(p, "data/benchmarks/england.csv", 3, 1, "measure_id")


def test_an_unknown_team(tmp_path):
    checked = check(tmp_path, extracts={"extract.csv": extract("supervision,2020-09-30,month,north,80,,",
                                                               "supervision,2020-09-30,month,east,80,,")})
    p = only_error(checked)
    assert_at(p, "data/extract.csv", 3, 4, "team_id")
    assert "'east'" in p.message


@pytest.mark.parametrize("team", ["", "ALL", "all", " All "])
def test_blank_or_all_is_the_whole_authority(tmp_path, team):
    checked = check(tmp_path, extracts={"extract.csv": extract(f"supervision,2020-09-30,month,{team},80,,")})
    no_errors(checked)
    assert list(checked.extracts.observations["team_id"]) == ["ALL"]


def test_an_unknown_rec_id_in_ratings(tmp_path):
    ratings = RATINGS_HEADER + "R1,2020-06-30,A,,,\nR3,2020-06-30,A,,,\n"
    p = only_error(check(tmp_path, plan={"ratings.csv": ratings}))
    assert_at(p, "cip_data/ratings.csv", 3, 1, "rec_id")
    assert "'R3'" in p.message


def test_an_unknown_rec_id_in_a_measures_list(tmp_path):
    measures = PLAN["measures.csv"].replace(",R1;R2,", ",R1; R9 ,")
    p = only_error(check(tmp_path, plan={"measures.csv": measures}))
    assert_at(p, "cip_data/measures.csv", 3, 5, "rec_id")
    assert "'R9'" in p.message and "'R1'" not in p.message


def test_a_measures_rec_id_list_links_each_recommendation(tmp_path):
    measures = PLAN["measures.csv"].replace(",R1;R2,", ", R2 ; R1 ;,")
    checked = check(tmp_path, plan={"measures.csv": measures})
    no_errors(checked)
    links = checked.plan.measure_recommendations
    assert sorted(links[links["measure_id"] == "care_proceedings_weeks"]["rec_id"]) == ["R1", "R2"]


# --------------------------------------------------------------------------- RAG

@pytest.mark.parametrize("word, code", [
    ("R", "R"), ("r", "R"), ("Red", "R"), ("RED", "R"), ("red", "R"),
    ("A", "A"), ("a", "A"), ("Amber", "A"), ("amber", "A"), ("AMBER", "A"),
    ("G", "G"), ("g", "G"), ("Green", "G"), ("green", "G"), (" Green ", "G"),
])
def test_rag_words_in_any_case(tmp_path, word, code):
    ratings = RATINGS_HEADER + f"R1,2020-06-30,{word},{word},,\nR2,2020-06-30,G,,,\n"
    checked = check(tmp_path, plan={"ratings.csv": ratings})
    no_errors(checked)
    r = checked.plan.ratings
    assert list(r["implementation"]) == [code, "G"]
    assert r["impact"].iloc[0] == code and pd.isna(r["impact"].iloc[1])  # blank = not yet judged


@pytest.mark.parametrize("word", ["Blue", "RA", "1", "Amber/Green", "Gren"])
def test_a_bad_rag_rating_is_an_error(tmp_path, word):
    ratings = RATINGS_HEADER + f"R1,2020-06-30,{word},G,,\nR2,2020-06-30,G,{word},,\n"
    checked = check(tmp_path, plan={"ratings.csv": ratings})
    assert len(checked.errors) == 2, describe(checked.errors)
    assert_at(checked.errors[0], "cip_data/ratings.csv", 2, 3, "implementation")
    assert_at(checked.errors[1], "cip_data/ratings.csv", 3, 4, "impact")


def test_implementation_is_required(tmp_path):
    p = only_error(check(tmp_path, plan={"ratings.csv": RATINGS_HEADER + "R1,2020-06-30,,G,,\n"}))
    assert_at(p, "cip_data/ratings.csv", 2, 3, "implementation")


# --------------------------------------------------------------------------- duplicates

def test_two_ratings_for_the_same_rec_and_date(tmp_path):
    ratings = RATINGS_HEADER + "R1,2020-06-30,A,,,\nR2,2020-06-30,A,,,\nR1,2020-06-30,G,,,\n"
    p = only_error(check(tmp_path, plan={"ratings.csv": ratings}))
    assert_at(p, "cip_data/ratings.csv", 4, 2, "as_at")
    assert "line 2" in p.message


def test_two_ratings_on_the_same_date_written_differently(tmp_path):
    ratings = RATINGS_HEADER + "R1,03/04/2020,A,,,\nR1,2020-04-03,G,,,\n"
    p = only_error(check(tmp_path, plan={"ratings.csv": ratings}))
    assert_at(p, "cip_data/ratings.csv", 3, 2, "as_at")


def test_a_repeated_key_within_one_extract(tmp_path):
    checked = check(tmp_path, extracts={"extract.csv": extract(
        "supervision,2020-09-30,month,ALL,80,,",
        "supervision,2020-10-31,month,ALL,81,,",
        "supervision,2020-09-30,month,ALL,82,,",
        "supervision,2020-09-30,quarter,ALL,82,,",   # another period type: another figure
        "supervision,2020-09-30,month,north,82,,",   # another team: another figure
    )})
    p = only_error(checked)
    assert_at(p, "data/extract.csv", 4, 1, "measure_id")
    assert "extract.csv line 2" in p.message


@pytest.mark.parametrize("first, second", [
    ("supervision,2020-09-30,month,ALL,80,,", "supervision,2020-09,,,80,,"),
    ("supervision,2020-09-30,month,,80,,", "supervision,30/09/2020,Month,all,80,,"),
])
def test_the_same_key_written_two_ways_is_still_a_repeat(tmp_path, first, second):
    p = only_error(check(tmp_path, extracts={"extract.csv": extract(first, second)}))
    assert_at(p, "data/extract.csv", 3, 1, "measure_id")


def test_a_repeated_key_across_two_extract_files_names_both_places(tmp_path):
    a = extract("supervision,2020-08-31,month,ALL,80,,", "supervision,2020-09-30,month,ALL,80,,")
    b = extract("supervision,2020-10-31,month,ALL,80,,", "supervision,2020-11-30,month,ALL,80,,",
                "supervision,2020-09-30,month,ALL,85,,")
    p = only_error(check(tmp_path, extracts={"extract.csv": None, "a.csv": a, "b.csv": b}))
    assert_at(p, "data/b.csv", 4, 1, "measure_id")
    assert re.search(r"data/a\.csv line 3\b", p.message), p.message


def test_a_repeated_comparator_figure(tmp_path):
    bench = BENCH_HEADER + "supervision,2020-09-30,month,England,80\nsupervision,2020-09-30,,England,81\n"
    p = only_error(check(tmp_path, extracts={"benchmarks/england.csv": bench}))
    assert_at(p, "data/benchmarks/england.csv", 3, 1, "measure_id")


def test_two_plan_rows_with_the_same_key(tmp_path):
    teams = PLAN["teams.csv"] + "north,North again,,\n"
    targets = PLAN["targets.csv"] + "care_proceedings_weeks,31/03/2021,20,authority,\n"
    checked = check(tmp_path, plan={"teams.csv": teams, "targets.csv": targets})
    by_file = {Path(p.file).name: p for p in checked.errors}
    assert len(checked.errors) == 2, describe(checked.errors)
    assert_at(by_file["teams.csv"], "cip_data/teams.csv", 4, 1, "team_id")
    assert_at(by_file["targets.csv"], "cip_data/targets.csv", 6, 4, "applies_to")


# --------------------------------------------------------------------------- figures

def test_negative_counts_are_errors(tmp_path):
    checked = check(tmp_path, extracts={"extract.csv": extract(
        "supervision,2020-07-31,month,ALL,,-1,10",
        "supervision,2020-08-31,month,ALL,,1,-10",
        "care_proceedings_weeks,2020-09-30,month,ALL,-3,,",
    )})
    assert len(checked.errors) == 3, describe(checked.errors)
    assert_at(checked.errors[0], "data/extract.csv", 2, 6, "numerator")
    assert_at(checked.errors[1], "data/extract.csv", 3, 7, "denominator")
    assert_at(checked.errors[2], "data/extract.csv", 4, 5, "value")


@pytest.mark.parametrize("value", ["100.01", "101", "-0.5", "250"])
def test_a_percentage_outside_0_to_100_is_an_error(tmp_path, value):
    checked = check(tmp_path, extracts={"extract.csv": extract(
        "supervision,2020-08-31,month,ALL,0,,", "supervision,2020-09-30,month,ALL,100,,",
        f"supervision,2020-10-31,month,ALL,{value},,")})
    assert_at(only_error(checked), "data/extract.csv", 4, 5, "value")


def test_a_percentage_target_outside_0_to_100_is_an_error(tmp_path):
    targets = PLAN["targets.csv"] + "supervision,2021-03-31,110,,\n"
    assert_at(only_error(check(tmp_path, plan={"targets.csv": targets})), "cip_data/targets.csv", 6, 3, "target")


def test_a_numerator_above_its_denominator_is_an_error(tmp_path):
    checked = check(tmp_path, extracts={"extract.csv": extract(
        "supervision,2020-08-31,month,ALL,,10,10", "supervision,2020-09-30,month,ALL,,11,10")})
    assert_at(only_error(checked), "data/extract.csv", 3, 6, "numerator")


@pytest.mark.parametrize("row", [
    "supervision,2020-09-30,month,ALL,94.0,180,200",   # 90.0
    "supervision,2020-09-30,month,ALL,85.0,1702,2000",  # 85.1: 0.1 out at one decimal place
    "supervision,2020-09-30,month,ALL,85.00,1703,2000",  # 85.15
    "supervision,2020-09-30,month,ALL,85,1712,2000",   # 85.6 does not round to 85
])
def test_value_numerator_and_denominator_that_disagree(tmp_path, row):
    p = only_error(check(tmp_path, extracts={"extract.csv": extract(row)}))
    assert_at(p, "data/extract.csv", 2, 5, "value")


@pytest.mark.parametrize("row", [
    "supervision,2020-09-30,month,ALL,94.0,188,200",     # exact
    "supervision,2020-09-30,month,ALL,85.0,1701,2000",   # 85.05: within 0.05
    "supervision,2020-09-30,month,ALL,85.1,1701,2000",   # 85.05 the other way
    "supervision,2020-09-30,month,ALL,66.7,2,3",         # 66.666..., rounded
    "supervision,2020-09-30,month,ALL,66.67,2,3",
    "supervision,2020-09-30,month,ALL,85.00,1701,2000",  # 85.05: never tighter than 0.05
    "supervision,2020-09-30,month,ALL,85,1709,2000",     # 85.45 rounds to 85 at the stated precision
])
def test_value_numerator_and_denominator_that_agree_within_rounding(tmp_path, row):
    checked = check(tmp_path, extracts={"extract.csv": extract(row)})
    no_errors(checked)
    # the stated value is kept, not replaced by the worked-out one
    assert checked.extracts.observations["value"].iloc[0] == float(row.split(",")[4])


def test_a_blank_percentage_is_worked_out_from_the_counts(tmp_path):
    checked = check(tmp_path, extracts={"extract.csv": extract("supervision,2020-09-30,month,ALL,,170,200",
                                                               "supervision,2020-10-31,month,ALL,,2,3")})
    no_errors(checked)
    values = list(checked.extracts.observations["value"])
    assert values[0] == pytest.approx(85.0) and values[1] == pytest.approx(200 / 3)
    assert list(checked.extracts.observations["numerator"]) == [170.0, 2.0]


def test_a_blank_rate_is_per_10000(tmp_path):
    measures = PLAN["measures.csv"] + "cp_rate,Children on a plan per 10000,rate,lower_better,,,\n"
    checked = check(tmp_path, plan={"measures.csv": measures},
                    extracts={"extract.csv": extract("cp_rate,2020-09-30,month,ALL,,45,10000")})
    no_errors(checked)
    assert checked.extracts.observations["value"].iloc[0] == pytest.approx(45.0)


def test_a_row_with_neither_value_nor_counts(tmp_path):
    checked = check(tmp_path, extracts={"extract.csv": extract(
        "supervision,2020-08-31,month,ALL,80,,", "supervision,2020-09-30,month,ALL,,,")})
    p = only_error(checked)
    assert_at(p, "data/extract.csv", 3, 5, "value")
    assert "numerator and a denominator" in p.message


def test_a_numerator_without_a_denominator(tmp_path):
    p = only_error(check(tmp_path, extracts={"extract.csv": extract("supervision,2020-09-30,month,ALL,,8,")}))
    assert_at(p, "data/extract.csv", 2, 7, "denominator")


def test_a_zero_denominator_with_no_value(tmp_path):
    p = only_error(check(tmp_path, extracts={"extract.csv": extract("supervision,2020-09-30,month,ALL,,0,0")}))
    assert_at(p, "data/extract.csv", 2, 7, "denominator")


@pytest.mark.parametrize("cell", ["9%", "1,234", "n/a", "nan", "inf", "-", "£5", "ninety"])
def test_a_cell_that_is_not_a_number(tmp_path, cell):
    quoted = f'"{cell}"' if "," in cell else cell
    checked = check(tmp_path, extracts={"extract.csv": extract(f"care_proceedings_weeks,2020-09-30,month,ALL,{quoted},,")})
    p = only_error(checked)
    assert_at(p, "data/extract.csv", 2, 5, "value")
    assert cell in p.message


def test_bad_plan_choices(tmp_path):
    measures = (PLAN["measures.csv"] + "m1,One,percentage,higher_better,,,\n" + "m2,Two,percent,higher,,,\n"
                + "m3,Three,percent,higher_better,,,-1\n")
    targets = PLAN["targets.csv"] + "supervision,2021-03-31,90,every_team,\n"
    checked = check(tmp_path, plan={"measures.csv": measures, "targets.csv": targets})
    by = {(Path(p.file).name, p.line): p for p in checked.errors}
    assert len(checked.errors) == 4, describe(checked.errors)
    assert_at(by[("measures.csv", 5)], "cip_data/measures.csv", 5, 3, "unit")
    assert_at(by[("measures.csv", 6)], "cip_data/measures.csv", 6, 4, "polarity")
    assert_at(by[("measures.csv", 7)], "cip_data/measures.csv", 7, 7, "tolerance")
    assert_at(by[("targets.csv", 6)], "cip_data/targets.csv", 6, 4, "applies_to")


def test_the_whole_authority_id_is_reserved(tmp_path):
    teams = PLAN["teams.csv"] + "all,Everyone,,\n"
    assert_at(only_error(check(tmp_path, plan={"teams.csv": teams})), "cip_data/teams.csv", 4, 1, "team_id")


def test_benchmark_rows_are_checked(tmp_path):
    bench = BENCH_HEADER + ("supervision,2020-09-30,month,England,80\n"
                            "supervision,2020-09-30,month,,80\n"
                            "supervision,2020-10-31,month,England,\n"
                            "supervision,2020-11-30,month,England,180\n")
    checked = check(tmp_path, extracts={"benchmarks/england.csv": bench})
    assert len(checked.errors) == 3, describe(checked.errors)
    assert_at(checked.errors[0], "data/benchmarks/england.csv", 3, 4, "comparator")
    assert_at(checked.errors[1], "data/benchmarks/england.csv", 4, 5, "value")
    assert_at(checked.errors[2], "data/benchmarks/england.csv", 5, 5, "value")


# --------------------------------------------------------------------------- all problems at once

def test_every_problem_in_an_extract_is_reported_in_one_go(tmp_path):
    checked = check(tmp_path, extracts={"extract.csv": extract(
        "nope,2020-09-30,month,ALL,80,,",
        "supervision,2020-09-30,month,ALL,80,,",
        "supervision,09/30/2020,month,ALL,80,,",
        "supervision,2020-11-30,month,ALL,150,,",
    )})
    assert len(checked.errors) == 3, describe(checked.errors)
    places = sorted((p.line, p.column_name) for p in checked.errors)
    assert places == [(2, "measure_id"), (4, "period_end"), (5, "value")]


def test_every_problem_in_a_plan_file_is_reported_in_one_go(tmp_path):
    ratings = RATINGS_HEADER + ("R9,2020-06-30,A,,,\n"
                                "R1,2020-06-31,A,,,\n"
                                "R2,2020-06-30,A,Purple,,\n"
                                "R2,2020-07-31,A,A,,\n")
    checked = check(tmp_path, plan={"ratings.csv": ratings})
    assert len(checked.errors) == 3, describe(checked.errors)
    places = sorted((p.line, p.column, p.column_name) for p in checked.errors)
    assert places == [(2, 1, "rec_id"), (3, 2, "as_at"), (4, 4, "impact")]


def test_every_bad_cell_in_one_row_is_reported(tmp_path):
    ratings = RATINGS_HEADER + "R9,yesterday,Blue,Pink,,\n"
    checked = check(tmp_path, plan={"ratings.csv": ratings})
    assert sorted(p.column for p in checked.errors) == [1, 2, 3, 4], describe(checked.errors)


def test_problems_in_several_files_are_all_reported(tmp_path):
    checked = check(tmp_path, plan={"ratings.csv": RATINGS_HEADER + "R1,2020-06-30,Blue,,,\n"},
                    extracts={"extract.csv": extract("supervision,2020-09-30,month,ALL,180,,"),
                              "more.csv": extract("supervision,2020-10-31,month,west,80,,")})
    assert sorted(Path(p.file).name for p in checked.errors) == ["extract.csv", "more.csv", "ratings.csv"]


def test_a_wholly_wrong_file_is_summarised_not_listed_row_by_row(tmp_path):
    rows = [f"nope,{1980 + i // 12}-{i % 12 + 1:02d},month,ALL,{i % 100},," for i in range(500)]  # to 2021
    checked = check(tmp_path, extracts={"extract.csv": extract(*rows)})
    assert 2 <= len(checked.errors) <= 60, len(checked.errors)
    assert "450 more rows" in checked.errors[-1].message


# --------------------------------------------------------------------------- line numbers

def test_quoted_newlines_in_evidence_keep_later_line_numbers_right(tmp_path):
    ratings = (RATINGS_HEADER
               + 'R1,2020-06-30,A,,"First line\nSecond line, with a comma\n\nFourth line",Keep going\n'  # lines 2-5
               + 'R2,2020-06-30,R,R,"He said ""no""\nthen yes","a\nb"\n'                               # lines 6-8
               + "R1,2020-09-30,Purple,A,Better,More\n")                                               # line 9
    checked = check(tmp_path, plan={"ratings.csv": ratings})
    assert_at(only_error(checked), "cip_data/ratings.csv", 9, 3, "implementation")
    evidence = checked.plan.ratings["evidence"]
    assert evidence.iloc[0] == "First line\nSecond line, with a comma\n\nFourth line"
    assert evidence.iloc[1] == 'He said "no"\nthen yes'


def test_the_builders_multiline_evidence_then_a_bad_row(tmp_path):
    ratings = PLAN["ratings.csv"].replace("R1,2020-09-30,G,A", "R1,2020-09-30,G,Z")
    assert_at(only_error(check(tmp_path, plan={"ratings.csv": ratings})), "cip_data/ratings.csv", 4, 4, "impact")


def test_a_bad_cell_in_a_multiline_record_is_reported_at_the_line_the_record_starts(tmp_path):
    ratings = RATINGS_HEADER + 'R1,2020-06-30,A,,,\nR2,2020-06-30,Blue,,"one\ntwo",\nR2,2020-07-31,Blue,,,\n'
    checked = check(tmp_path, plan={"ratings.csv": ratings})
    assert [p.line for p in checked.errors] == [3, 5]


def test_quoted_newlines_in_an_extract_keep_later_line_numbers_right(tmp_path):
    text = ("measure_id,period_end,comment,value\n"
            'supervision,2020-08-31,"checked\nby the team",80\n'
            '"supervision",2020-09-30,"",81\n'
            "supervision,2020-10-31,,180\n")
    checked = check(tmp_path, extracts={"extract.csv": text})
    assert_at(only_error(checked), "data/extract.csv", 5, 4, "value")


def test_blank_lines_count_as_lines(tmp_path):
    text = extract("supervision,2020-08-31,month,ALL,80,,", "", ",,,,,,", "supervision,2020-10-31,month,ALL,180,,")
    checked = check(tmp_path, extracts={"extract.csv": text})
    assert_at(only_error(checked), "data/extract.csv", 5, 5, "value")
    assert len(checked.extracts.observations) == 2


def test_rows_with_fewer_cells_than_the_header_read_as_blanks(tmp_path):
    checked = check(tmp_path, extracts={"extract.csv": extract("supervision,2020-09-30,month,ALL,80",
                                                               "supervision,2020-10-31")})
    p = only_error(checked)
    assert_at(p, "data/extract.csv", 3, 5, "value")


def test_a_row_with_more_cells_than_the_header(tmp_path):
    checked = check(tmp_path, extracts={"extract.csv": extract("supervision,2020-09-30,month,ALL,80,,,",
                                                               "supervision,2020-10-31,month,ALL,80,,,x")})
    p = only_error(checked)
    assert (Path(p.file).name, p.line, p.column) == ("extract.csv", 3, 8)


def test_a_file_that_is_not_utf8(tmp_path):
    raw = extract("supervision,2020-09-30,month,ALL,80,,").encode() + "supervision,2020-10-31,month,Caf\xe9,1,,\n".encode("latin-1")
    p = only_error(check(tmp_path, extracts={"extract.csv": raw}))
    assert (Path(p.file).name, p.line) == ("extract.csv", 3)
    assert "UTF-8" in p.message


@pytest.mark.parametrize("last", ["supervision,2020-11-30,month,ALL,80,,", None])
def test_an_unclosed_quote(tmp_path, last):
    rows = ["supervision,2020-09-30,month,ALL,80,,", 'supervision,2020-10-31,month,ALL,"80,,'] + ([last] if last else [])
    p = only_error(check(tmp_path, extracts={"extract.csv": extract(*rows)}))
    assert Path(p.file).name == "extract.csv" and p.line == 3 and "quote" in p.hint


def test_a_bad_plan_toml(tmp_path):
    p = only_error(check(tmp_path, plan={"plan.toml": 'name = "A plan"\nauthority = Exampleshire\n'}))
    assert (Path(p.file).name, p.line) == ("plan.toml", 2)


def test_a_fully_quoted_extract_keeps_line_numbers_right(tmp_path):
    text = ('"measure_id","period_end","period_type","team_id","value","numerator","denominator","note"\r\n'
            '"supervision","2020-08-31","month","ALL","80","","","said ""fine"", mostly"\r\n'
            '"supervision","2020-09-30","month","ALL","180","","",""\r\n')
    checked = check(tmp_path, extracts={"extract.csv": text})
    assert_at(only_error(checked), "data/extract.csv", 3, 5, "value")
    assert checked.extracts.observations["value"].iloc[0] == 80.0


# --------------------------------------------------------------------------- the reader itself

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cipdash.csvfile import read_table
from cipdash.errors import Problems

CELL = st.text(alphabet=st.sampled_from(list("ab9 ,\"\n.-é")), max_size=6)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELL, min_size=3, max_size=3), max_size=8),
       quote_all=st.booleans(), crlf=st.booleans(), bom=st.booleans(), blank_after=st.integers(0, 9))
def test_read_table_gives_every_record_its_line_and_cells(tmp_path, rows, quote_all, crlf, bom, blank_after):
    """Whatever the quoting, the cells and the line each record starts on are those
    Python's csv module (the careful reader) gives; blank records are dropped."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerow(["a", " B ", "c"])
    for i, r in enumerate(rows):
        writer.writerow(r)
        if i == blank_after:
            out.write("\n")
    text = out.getvalue().replace("\n", "\r\n") if crlf else out.getvalue()
    raw = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")

    expected = []
    reader = csv.reader(io.StringIO(text, newline=""))
    last = 0
    for record in reader:
        if last:  # not the header
            cells = [c.strip() for c in record] + [""] * (3 - len(record))
            if any(cells[:3]):
                expected.append((last + 1, cells[:3]))
        last = reader.line_num or 1

    problems = Problems()
    table = read_table(tmp_path / "t.csv", {"a": True, "b": True, "c": False}, problems, raw=raw, file="t.csv")
    assert not problems.errors, [str(p) for p in problems.errors]
    got = [(int(line), [table.text(c, i) for c in ("a", "b", "c")]) for i, line in enumerate(table.lines)]
    assert got == expected


def test_a_negative_comparator_is_refused_for_units_that_cannot_be_negative(tmp_path):
    bench = BENCH_HEADER + "care_proceedings_weeks,2020-03-31,year,England,-5\n"
    error = only_error(check(tmp_path, extracts={"benchmarks/england.csv": bench}))
    assert_at(error, "data/benchmarks/england.csv", 2, 5, "value")
    assert "negative" in error.message


def test_a_worked_out_percentage_is_exactly_the_figure_a_person_would_type(tmp_path):
    checked = check(tmp_path, extracts={"extract.csv": extract(
        "supervision,2020-09-30,month,ALL,,7,100", "supervision,2020-10-31,month,ALL,,57,100")})
    no_errors(checked)
    values = sorted(checked.extracts.observations["value"].tolist())
    assert values == [7.0, 57.0]  # not 7.000000000000001 and 56.99999999999999
