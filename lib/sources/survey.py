"""The attitude survey: respondents, Q1 understanding charts, Q3 impacts,
Q2/Q4 comment shares and stray chart values, cleaned into one long table.
"""

from __future__ import annotations

import re

import pandas as pd
import pandera.pandas as pa

from lib.config import QUALITY_LOG_NAME
from lib.sources.common import SURVEY_REPORT, _row, percent_to_proportion, round_to_source, slugify, tidy_text
from lib.sources.contract import (
    _NOT_BLANK,
    _SOURCE,
    _WHOLE,
    NUMBER_RE,
    PERCENT_RE,
    Issue,
    RawTable,
    Required,
    RowsTo,
    _col,
    _grid,
    _in_range,
    _matches,
    _numbered,
    _one_of,
    _parses,
)
from lib.sources.kpis import parse_count

_SECTOR = pa.Check(
    lambda v: _sector_key(v) in {"vcs", "children's centres"},
    element_wise=True,
    error="a survey sector: 'VCS' or 'Children's Centres'",
)


_STRAY_LOG = RowsTo(
    QUALITY_LOG_NAME, {"file": ("survey_stray_values.csv",), "check": ("stray_value",)}, ("row",)
)


SECTORS = {
    "vcs": "VCS",
    "childrens centres": "childrens_centres",
    "children's centres": "childrens_centres",
    "children’s centres": "childrens_centres",
    "overall": "all",
}


SECTOR_LABELS = {
    "all": "All respondents",
    "vcs": "VCS organisations",
    "childrens_centres": "Children's centres",
}


PHASES = {
    "before": "pre",
    "before workshop": "pre",
    "pre": "pre",
    "after": "post",
    "after workshop": "post",
    "post": "post",
    "": "unstated",
}


def _sector_key(printed: str) -> str:
    return re.sub(r"\s+", " ", printed.replace("’", "'")).strip().casefold()


def sector_id(printed: str) -> str:
    key = _sector_key(printed)
    if key == "vcs":
        return "vcs"
    if key in SECTORS:
        return SECTORS[key]
    raise ValueError(f"unknown survey sector {printed!r}")


def phase_id(printed: str) -> str:
    key = re.sub(r"\s+", " ", printed).strip().casefold()
    if key not in PHASES:
        raise ValueError(f"unknown survey phase {printed!r}")
    return PHASES[key]


#: The nine Q3 impacts; labels differing only in wording between sectors unify.
IMPACTS: list[tuple[str, str, tuple[str, ...]]] = [
    ("extend_service_reach", "Extend service reach", ("extend service reach",)),
    ("improve_service_delivery", "Improve service delivery", ("improve service delivery",)),
    ("resolve_partners_needs", "Resolve partners' needs", ("resolve partners' needs",)),
    ("ensure_sustainability", "Ensure sustainability", ("ensure sustainability",)),
    ("deliver_users_needs", "Deliver users' needs", ("deliver users' needs",)),
    ("allow_culture_to_thrive", "Allow the VCS culture to thrive", ("allow culture to thrive",)),
    ("cpd_opportunities", "Opportunities for personal career development (CPD)", ("cpd opportunities",)),
    (
        "enhance_la_partner_role",
        "Enhance the local authority's role as a partner",
        ("enhance la partner role",),
    ),
    (
        "enough_time_resources",
        "Enough time or resources",
        ("enough time or resources", "enough time and resources"),
    ),
]


def impact_id(label: str) -> str:
    key = re.sub(r"\s+", " ", label.replace("’", "'")).strip().casefold()
    for iid, _, variants in IMPACTS:
        if key in variants:
            return iid
    raise ValueError(f"unknown impact label {label!r}")


UNDERSTANDING_ITEMS = {
    "understanding co production better": (
        "understand_co_production",
        "Understanding co-production better",
        "chart titled 'Understanding Co Production Better'; its figures match the prose of "
        "004 § 4.1 (56% before, 81% after; 85% children's centres, 77% VCS after)",
    ),
    "confidence in understanding co production": (
        "confidence_understanding",
        "Confidence in understanding co-production",
        "chart titled 'Confidence in understanding Co Production'; the report's prose does "
        "not say how it differs from the other Q1 chart",
    ),
}


def understanding_item(title: str) -> tuple[str, str, str]:
    key = re.sub(r"\s+", " ", title).strip().casefold()
    if key not in UNDERSTANDING_ITEMS:
        raise ValueError(f"unknown Q1 chart {title!r}; expected one of {sorted(UNDERSTANDING_ITEMS)}")
    return UNDERSTANDING_ITEMS[key]


def clean_understanding(raw: pd.DataFrame, respondents: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for r in raw.itertuples():
        item, label, note = understanding_item(r.chart_title_as_printed)
        sector = sector_id(r.series_as_printed)
        phase = phase_id(r.phase_as_printed)
        rows.append(
            {
                "question": "understanding",
                "question_label": "Q1 Confidence that they understand co-production (scale 1-7)",
                "item": item,
                "item_label": label,
                "item_order": 1 if item == "understand_co_production" else 2,
                "sector": sector,
                "phase": phase,
                "value": round_to_source(r.value_as_printed),
                "value_as_printed": r.value_as_printed,
                "note": note,
                "source": r.source,
            }
        )
    return _with_stated_bases(pd.DataFrame(rows), respondents)


def _with_stated_bases(frame: pd.DataFrame, respondents: pd.DataFrame) -> pd.DataFrame:
    """Attach the base the source states: only whole-survey phase totals exist."""
    stated = respondents[(respondents["group"] == "all") & (respondents["phase"] != "unstated")]
    bases = dict(zip(stated["phase"], stated["n"], strict=False))
    base = [bases.get(p) if s == "all" else None for s, p in zip(frame["sector"], frame["phase"], strict=False)]
    return frame.assign(base_n=pd.array(base, dtype="Int64"))


def clean_impacts(raw: pd.DataFrame, respondents: pd.DataFrame) -> pd.DataFrame:
    labels = {iid: label for iid, label, _ in IMPACTS}
    order = {iid: i for i, (iid, _, _) in enumerate(IMPACTS, start=1)}
    items = raw["label_as_printed"].map(impact_id)
    frame = pd.DataFrame(
        {
            "question": "impacts",
            "question_label": "Q3 How confident are you that co-production will help ... (scale 1-7)",
            "item": items,
            "item_label": items.map(labels),
            "item_order": items.map(order),
            "sector": raw["sector_as_printed"].map(sector_id),
            "phase": raw["phase_as_printed"].map(phase_id),
            "value": raw["value_as_printed"].map(round_to_source),
            "value_as_printed": raw["value_as_printed"],
            "note": "",
            "source": raw["source"],
        }
    )
    variants = (
        raw.assign(item=items)
        .groupby("item")["label_as_printed"]
        .agg(lambda s: sorted({re.sub(r"\s+", " ", v).strip() for v in s}))
    )
    for item, printed in variants.items():
        if len(printed) > 1:
            frame.loc[frame["item"] == item, "note"] = (
                "label printed differently by sector: " + " / ".join(printed) + "; unified"
            )
    return _with_stated_bases(frame, respondents)


COMMENT_QUESTIONS = {
    "q2": ("best_features", "Q2 The three best features of working collaboratively (share of comments)"),
    "q4": ("la_role", "Q4 What the local authority needs to do (share of comments)"),
}


LOST_LABEL = "[label lost in extraction]"


def _comment_question(printed: str) -> tuple[str, str]:
    key = printed.strip().casefold()
    for prefix, value in COMMENT_QUESTIONS.items():
        if key.startswith(prefix):
            return value
    raise ValueError(f"unknown comment question {printed!r}")


def clean_comment_shares(raw: pd.DataFrame) -> pd.DataFrame:
    """Shares of comments by theme; a value whose label was lost stays unlabelled."""
    rows = []
    for r in raw.itertuples():
        question, qlabel = _comment_question(r.question_as_printed)
        label = tidy_text(r.label_as_printed).replace("\n", " ")
        has_value = r.value_as_printed.strip() != ""
        item = slugify(label) if label else f"unlabelled_{int(r.position)}"
        note = ""
        if not label:
            note = "value printed without a label (more values than labels in the source list)"
        elif not has_value:
            note = "label printed without a value (fewer values than labels in the source list)"
        rows.append(
            {
                "question": question,
                "question_label": qlabel,
                "item": item,
                "item_label": label or LOST_LABEL,
                "item_order": int(r.position),
                "sector": sector_id(r.sector_as_printed),
                "phase": phase_id(r.phase_as_printed),
                "value": percent_to_proportion(r.value_as_printed) if has_value else None,
                "value_as_printed": r.value_as_printed,
                "base_n": pd.NA,
                "note": note,
                "source": r.source,
            }
        )
    frame = pd.DataFrame(rows)
    frame["base_n"] = frame["base_n"].astype("Int64")
    return frame


RESPONDENT_GROUPS = {
    "attendees": "all",
    "vcs organisations": "vcs",
    "children's centres": "childrens_centres",
    "local authorities": "local_authorities",
    "other sectors": "other_sectors",
    "health": "health",
    "community advice": "community_advice",
    "parents": "parents",
}


def respondent_group(printed: str) -> str:
    key = re.sub(r"\s+", " ", printed.replace("’", "'")).strip().casefold()
    if key not in RESPONDENT_GROUPS:
        raise ValueError(f"unknown respondent group {printed!r}; expected one of {sorted(RESPONDENT_GROUPS)}")
    return RESPONDENT_GROUPS[key]


def clean_respondents(raw: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": raw["group_as_printed"].map(respondent_group),
            "group_label": raw["group_as_printed"].map(str.strip),
            "phase": raw["phase_as_printed"].map(phase_id),
            "n": raw["n"].map(lambda v: parse_count(v)[0]),
            "quote": raw["quote"].map(tidy_text),
            "source": raw["source"],
        }
    )


SURVEY_COLUMNS = [
    "question",
    "question_label",
    "item",
    "item_label",
    "item_order",
    "sector",
    "phase",
    "value",
    "base_n",
    "value_as_printed",
    "note",
    "source",
]


def clean_survey(understanding: pd.DataFrame, impacts: pd.DataFrame, comments: pd.DataFrame) -> pd.DataFrame:
    question_order = {"understanding": 1, "best_features": 2, "impacts": 3, "la_role": 4}
    sector_order = {"all": 0, "vcs": 1, "childrens_centres": 2}
    phase_order = {"pre": 0, "post": 1, "unstated": 2}
    frame = pd.concat([understanding, impacts, comments], ignore_index=True)[SURVEY_COLUMNS]
    return (
        frame.assign(
            _q=frame["question"].map(question_order),
            _s=frame["sector"].map(sector_order),
            _p=frame["phase"].map(phase_order),
        )
        .sort_values(["_q", "_s", "item_order", "item", "_p"], kind="stable")
        .drop(columns=["_q", "_s", "_p"])
        .reset_index(drop=True)
    )


def survey_issues(
    raw_understanding: pd.DataFrame,
    raw_impacts: pd.DataFrame,
    raw_comments: pd.DataFrame,
    stray: pd.DataFrame,
    respondents: pd.DataFrame,
    respondents_raw: pd.DataFrame | None = None,
) -> list[Issue]:
    respondents_raw = respondents if respondents_raw is None else respondents_raw
    issues = []
    for name, raw in (("survey_understanding.csv", raw_understanding), ("survey_impacts.csv", raw_impacts)):
        noisy = raw[raw["value_as_printed"].map(lambda v: len(v.split(".")[-1]) > 2)]
        if len(noisy):
            worst = max(abs(float(v) - round_to_source(v)) for v in noisy["value_as_printed"])
            issues.append(
                Issue(
                    "float_noise",
                    name,
                    "",
                    "value_as_printed",
                    noisy["value_as_printed"].iloc[0],
                    f"{len(noisy)} chart values carry binary float noise (largest deviation "
                    f"from 2 dp: {worst:.1e})",
                    "rounded to the source's precision (2 dp, whole percentages)",
                )
            )
    variants = raw_impacts.assign(item=raw_impacts["label_as_printed"].map(impact_id))
    for item, group in variants.groupby("item", sort=True):
        printed = sorted({v for v in group["label_as_printed"]})
        if len(printed) > 1:
            issues.append(
                Issue(
                    "label_variant",
                    "survey_impacts.csv",
                    "",
                    "label_as_printed",
                    " / ".join(repr(p) for p in printed),
                    "the same impact is labelled differently between sectors or phases",
                    f"unified as item '{item}'",
                )
            )
    for (title, phase), group in raw_comments.groupby(
        ["list_title_as_printed", "phase_as_printed"], sort=True
    ):
        labels = (group["label_as_printed"].str.strip() != "").sum()
        values = group[group["value_as_printed"].str.strip() != ""]["value_as_printed"]
        total = sum(percent_to_proportion(v) for v in values) * 100
        where = f"{title.strip()}" + (f" ({phase})" if phase else "")
        rows = ", ".join(_row(raw_comments, i) for i in group.index)
        if labels != len(values):
            issues.append(
                Issue(
                    "values_labels_mismatch",
                    "survey_comment_shares.csv",
                    rows,
                    "label_as_printed",
                    f"{len(values)} values, {labels} labels",
                    f"list '{where}' prints {len(values)} percentages but {labels} labels",
                    f"values paired with labels by printed position; the unpaired entry kept "
                    f"as '{LOST_LABEL}' with its value (or an empty value), never dropped",
                )
            )
        if abs(total - 100) > 2:
            issues.append(
                Issue(
                    "shares_do_not_sum",
                    "survey_comment_shares.csv",
                    rows,
                    "value_as_printed",
                    f"{total:.0f}%",
                    f"shares in list '{where}' sum to {total:.0f}%, not about 100%",
                    "kept as printed; reports show the printed total and do not rescale",
                )
            )
        elif round(total) != 100:
            issues.append(
                Issue(
                    "rounding_total",
                    "survey_comment_shares.csv",
                    rows,
                    "value_as_printed",
                    f"{total:.0f}%",
                    f"shares in list '{where}' sum to {total:.0f}% (rounding)",
                    "kept as printed",
                )
            )
    for i, r in stray.iterrows():
        issues.append(
            Issue(
                "stray_value",
                "survey_stray_values.csv",
                _row(stray, i),
                "value_as_printed",
                r["value_as_printed"],
                f"value with no label: {tidy_text(r['context'])}",
                "not used",
            )
        )
    sectors = respondents[
        respondents["group"].isin(["vcs", "childrens_centres", "local_authorities", "other_sectors"])
    ]
    totals = respondents[respondents["group"] == "all"].set_index("phase")["n"]
    if len(sectors) and (sectors["phase"] == "unstated").all():
        issues.append(
            Issue(
                "base_unstated",
                "survey_respondents.csv",
                ", ".join(_row(respondents_raw, i) for i in sectors.index),
                "phase_as_printed",
                f"sector counts sum to {sectors['n'].sum()}",
                f"sector counts are given without a phase; their sum ({sectors['n'].sum()}) "
                f"matches neither the pre ({totals.get('pre', 'n/a')}) nor the post "
                f"({totals.get('post', 'n/a')}) total",
                "survey.csv leaves base_n empty for sector rows; lib.analysis.uncertainty approximates "
                "bases and shows the sensitivity (docs/caveats.md)",
            )
        )
    titles = sorted(set(raw_understanding["chart_title_as_printed"].str.strip()))
    if len(titles) > 1:
        issues.append(
            Issue(
                "ambiguous_chart",
                "survey_understanding.csv",
                "",
                "chart_title_as_printed",
                " / ".join(titles),
                "two Q1 charts with near-identical titles and different figures",
                "kept as two items; the report's prose figures (56% -> 81%) match "
                "'Understanding Co Production Better', used as the headline item",
            )
        )
    return issues


#: The contracts of this source's raw files.
RAW_TABLES: tuple[RawTable, ...] = (
    RawTable(
        "survey_respondents.csv",
        {
            "phase_as_printed": _col(_one_of(["", "pre", "post"])),
            "group_as_printed": _col(
                _NOT_BLANK,
                _parses(lambda v: respondent_group(v), "a respondent group named in 004 § 2.2-2.3"),
            ),
            "n": _col(_parses(lambda v: parse_count(v), "a count in digits or words (e.g. '76' or 'Seven')")),
            "quote": _col(_NOT_BLANK),
            "source": _col(_SOURCE),
        },
        ["phase_as_printed", "group_as_printed"],
        required=(
            Required(
                ("phase_as_printed", "group_as_printed"),
                (
                    *_grid(["pre", "post"], ["attendees"]),
                    *_grid(
                        [""],
                        [
                            "VCS organisations",
                            "Children's Centres",
                            "Local Authorities",
                            "other sectors",
                            "health",
                            "community advice",
                            "parents",
                        ],
                    ),
                ),
                "the attendee totals before and after and the count of each group (004 § 2.2-2.3)",
            ),
        ),
        rows_to=(RowsTo("survey_respondents.csv"),),
    ),
    RawTable(
        "survey_understanding.csv",
        {
            "chart_title_as_printed": _col(
                _NOT_BLANK, _parses(lambda v: understanding_item(v), "one of the two Q1 chart titles")
            ),
            "phase_as_printed": _col(_one_of(["Before Workshop", "After Workshop"])),
            "position": _col(_WHOLE),
            "series_as_printed": _col(
                _NOT_BLANK, _parses(lambda v: sector_id(v), "Overall, Children's Centres or VCS")
            ),
            "value_as_printed": _col(_matches(NUMBER_RE, "a number"), _in_range(0, 1, "a proportion")),
            "source": _col(_SOURCE),
        },
        ["chart_title_as_printed", "phase_as_printed", "position"],
        required=(
            Required(
                ("chart_title_as_printed", "phase_as_printed", "series_as_printed"),
                _grid(
                    ["Understanding Co Production Better", "Confidence in understanding Co Production"],
                    ["Before Workshop", "After Workshop"],
                    ["Overall", "Children's Centres", "VCS"],
                ),
                "both Q1 charts, before and after, for every series (004 chart data)",
            ),
        ),
        rows_to=(RowsTo("survey.csv", {"question": ("understanding",)}),),
    ),
    RawTable(
        "survey_stray_values.csv",
        {
            "context": _col(_NOT_BLANK),
            "value_as_printed": _col(_NOT_BLANK),
            "source": _col(_SOURCE),
        },
        [],
        required=(
            Required(
                ("source",),
                _grid([f"{SURVEY_REPORT} § chart data: Understanding Co Production Better"]),
                "a value with no label after the Q1 chart series",
            ),
        ),
        rows_to=(_STRAY_LOG,),
    ),
    RawTable(
        "survey_impacts.csv",
        {
            "chart_title_as_printed": _col(_NOT_BLANK),
            "sector_as_printed": _col(_SECTOR),
            "phase_as_printed": _col(_one_of(["Before", "After"])),
            "position": _col(_WHOLE, _in_range(1, 9, "an impact position")),
            "label_as_printed": _col(
                _NOT_BLANK, _parses(lambda v: impact_id(v), "one of the nine Q3 impact labels")
            ),
            "value_as_printed": _col(_matches(NUMBER_RE, "a number"), _in_range(0, 1, "a proportion")),
            "source": _col(_SOURCE),
        },
        ["sector_as_printed", "phase_as_printed", "position"],
        required=(
            Required(
                ("sector_as_printed", "phase_as_printed", "position"),
                _grid(["VCS", "Children's Centres"], ["Before", "After"], range(1, 10)),
                "the nine Q3 impacts for each sector before and after (004 chart data)",
            ),
        ),
        rows_to=(RowsTo("survey.csv", {"question": ("impacts",)}),),
    ),
    RawTable(
        "survey_comment_shares.csv",
        {
            "question_as_printed": _col(
                _NOT_BLANK, _parses(lambda v: _comment_question(v), "a Q2 or Q4 caption")
            ),
            "list_title_as_printed": _col(_NOT_BLANK),
            "sector_as_printed": _col(_SECTOR),
            "phase_as_printed": _col(_one_of(["", "Pre", "Post"])),
            "position": _col(_WHOLE),
            "label_as_printed": _col(),
            "value_as_printed": _col(
                _matches(PERCENT_RE, "a percentage such as '33%'", allow_empty=True),
                _in_range(0, 100, "a percentage", allow_empty=True),
            ),
            "source": _col(_SOURCE),
            "transcription_note": _col(),
        },
        ["list_title_as_printed", "phase_as_printed", "position"],
        required=(
            Required(
                ("list_title_as_printed", "phase_as_printed", "position"),
                _numbered(
                    {
                        ("VCS Organisations", "Pre"): 6,
                        ("VCS Organisations", "Post"): 6,
                        ("Children's Centres", "Pre"): 8,
                        ("Children's Centres", "Post"): 8,
                        ("VCS Perspective on the LA role", ""): 7,
                        ("Children's Centre Perspective on LA role", ""): 7,
                    }
                ),
                "every entry of the Q2 and Q4 comment lists (004 § 4.3, 4.5 and 5)",
            ),
        ),
        rows_to=(RowsTo("survey.csv", {"question": ("best_features", "la_role")}),),
    ),
)
