"""The evidence matrix (evidence_matrix.csv): which evidence each authority
produced, the printed legend, and the inferences made for lost glyphs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from lib.sources.common import (
    _KNOWN_AUTHORITY,
    AUTHORITIES,
    PROGRAMME_REPORT,
    SURVEY_REPORT,
    UNRECORDED,
    _row,
    _spelling_issues,
    authority_id,
    slugify,
)
from lib.sources.contract import (
    _NOT_BLANK,
    _SOURCE,
    _WHOLE,
    Issue,
    RawTable,
    Required,
    RowsTo,
    _col,
    _grid,
    _in_range,
    _one_of,
    _parses,
)

#: Canonical evidence items in the matrix's order (raw label -> id, display).
EVIDENCE_ITEMS: list[tuple[str, str]] = [
    ("delivery_plan", "Delivery plan and notes"),
    ("workshop_1_materials", "Workshop 1 materials"),
    ("questionnaire", "Questionnaire"),
    ("outcomes_1_report", "Outcomes 1 report"),
    ("questionnaire_report", "Questionnaire report"),
    ("workshop_2_materials", "Workshop 2 materials"),
    ("outcomes_2_report", "Outcomes 2 report"),
    ("training_resource", "Training resource"),
    ("workshop_evaluations", "Workshop evaluations"),
    ("national_sharing", "National sharing"),
    ("regional_sharing", "Regional sharing"),
    ("attitude_survey", "Attitude survey"),
]


EVIDENCE_STATUSES = ["available", "not_produced", "not_applicable", "unclear", "unrecorded"]


#: Codes the printed legend defines (tick and cross print blank: their glyphs were lost).
EVIDENCE_LEGEND = {"NA": "not_applicable"}


@dataclass(frozen=True)
class EvidenceInference:
    """A status for a lost glyph, from a positive statement in another source.

    ``statement`` is the source's own words and ``source`` where they are
    (``<file> § <section>``). There is no "every other authority" form:
    absence from a list is never evidence (docs/caveats.md, inference rule).
    """

    evidence_item: str
    authority_id: str
    status: str
    statement: str
    source: str
    reading: str

    def __post_init__(self) -> None:
        if self.status not in {"available", "not_produced", "not_applicable"}:
            raise ValueError(f"an inference gives a legend status, not {self.status!r}")
        if self.authority_id not in AUTHORITIES:
            raise ValueError(f"an inference names one known authority, not {self.authority_id!r}")
        if not self.statement.strip() or not re.fullmatch(r"\d{3}_[0-9a-f]{16}\.txt § .+", self.source):
            raise ValueError("an inference needs a positive statement and its source")

    @property
    def basis(self) -> str:
        return f"inferred: {self.reading} ('{self.statement}', {self.source})"


_SURVEY_NAMES = (
    "The surveys derived from participating Local Authorities, namely Kent and Poole, "
    "both in their second year in the programme and Hillingdon, Greenwich, "
    "Northampton, NE Lincs and Telford, all of whom participated in the second year only."
)


#: Every inference the cleaning makes for a lost glyph.
EVIDENCE_INFERENCES: list[EvidenceInference] = [
    *[
        EvidenceInference(
            "attitude_survey",
            aid,
            "available",
            _SURVEY_NAMES,
            f"{SURVEY_REPORT} § 2.2",
            f"the attitude survey report names {AUTHORITIES[aid]} among the authorities the "
            "surveys derived from",
        )
        for aid in [
            "kent",
            "poole",
            "hillingdon",
            "greenwich",
            "northamptonshire",
            "north-east-lincolnshire",
            "telford-and-wrekin",
        ]
    ],
    EvidenceInference(
        "questionnaire",
        "luton",
        "available",
        "the questionnaire/survey had very positive response",
        f"{PROGRAMME_REPORT} § authority profiles",
        "its profile says it ran a questionnaire",
    ),
]


#: Why a lost glyph stays unrecorded although a source seems to speak to it.
EVIDENCE_NOT_INFERRED: dict[tuple[str, str | None], str] = {
    ("attitude_survey", None): (
        "; the attitude survey report's list of authorities (004 § 2.2) covers the 2012-13 "
        "surveys only, and absence from a list is not evidence that nothing was produced"
    ),
    ("questionnaire", "greenwich"): (
        "; its profile says 'Survey and focus group', but Poole's profile also mentions a survey "
        "while its questionnaire cell is printed NA, so 'survey' most likely means the attitude "
        "survey (counted in its own row)"
    ),
    ("questionnaire", "northamptonshire"): (
        "; its profile says 'Survey and focus group', but Poole's profile also mentions a survey "
        "while its questionnaire cell is printed NA, so 'survey' most likely means the attitude "
        "survey (counted in its own row)"
    ),
}


def _evidence_item_id(label: str) -> str:
    key = slugify(label)
    aliases = {
        "delivery_plan_and_notes": "delivery_plan",
        "workshop_1_materials": "workshop_1_materials",
        "questionnaire": "questionnaire",
        "outcomes_1_report": "outcomes_1_report",
        "questionnaire_report": "questionnaire_report",
        "workshop_2_material": "workshop_2_materials",
        "workshop_2_materials": "workshop_2_materials",
        "outcomes_2_report": "outcomes_2_report",
        "training_resource": "training_resource",
        "workshop_evaluations": "workshop_evaluations",
        "national_sharing": "national_sharing",
        "regional_sharing": "regional_sharing",
        "attitude_survey": "attitude_survey",
    }
    if key not in aliases:
        raise ValueError(f"unknown evidence item {label!r}")
    return aliases[key]


def evidence_code_status(cell: str, printed: str) -> tuple[str, str, str]:
    """Map one printed cell to ``(status, raw_code, basis)`` before inference.

    Only a code the legend defines becomes a status. The printed ``/`` is not
    in the legend: it keeps its raw code, gets the status ``unclear`` and the
    basis gives both readings (docs/caveats.md, inference rule).
    """
    if printed == "no":
        return UNRECORDED, "[not printed]", "cell lost: the row was truncated in the source"
    code = cell.strip()
    if code in EVIDENCE_LEGEND:
        return EVIDENCE_LEGEND[code], code, "printed NA (legend: not applicable)"
    if code == "/":
        return (
            "unclear",
            "/",
            "printed '/', a code not in the legend, so no status is read from it. Two readings: "
            "a mark for partial or weak evidence, or two per-year marks run together (the '/' "
            "appears only for the authorities that took part in both years)",
        )
    if code:
        raise ValueError(f"unknown evidence code {cell!r}; expected '', 'NA' or '/'")
    return (
        UNRECORDED,
        "",
        "glyph lost in extraction: the legend's tick (available) and cross (not produced) both print blank",
    )


def apply_evidence_inferences(evidence: pd.DataFrame) -> pd.DataFrame:
    """Give a lost glyph a status only where another source positively states
    the fact (:data:`EVIDENCE_INFERENCES`); say in the basis why a glyph that a
    source seems to speak to stays unrecorded (:data:`EVIDENCE_NOT_INFERRED`)."""
    out = evidence.copy()
    lost = out["status"] == UNRECORDED
    for (item, aid), why in EVIDENCE_NOT_INFERRED.items():
        target = lost & (out["evidence_item"] == item)
        if aid is not None:
            target &= out["authority_id"] == aid
        out.loc[target, "basis"] = out.loc[target, "basis"] + why
    for inf in EVIDENCE_INFERENCES:
        target = (
            lost & (out["evidence_item"] == inf.evidence_item) & (out["authority_id"] == inf.authority_id)
        )
        out.loc[target, "status"] = inf.status
        out.loc[target, "basis"] = inf.basis
        out.loc[target, "inferred"] = "yes"
    return out


def evidence_rule_violations(evidence: pd.DataFrame) -> pd.DataFrame:
    """Rows that break the inference rule (docs/caveats.md); empty when none do.

    - a status from the printed cell needs a legend code (``NA``);
    - ``unclear`` is only for a printed code outside the legend, kept as raw_code;
    - every other status is inferred (``inferred=yes``) and its basis quotes a
      source, and ``not_produced`` is never inferred (only a printed cross,
      lost in extraction, could give it).
    """
    status, code, inferred = evidence["status"], evidence["raw_code"], evidence["inferred"]
    basis = evidence["basis"]
    from_legend = code.isin(list(EVIDENCE_LEGEND)) & (status == code.map(EVIDENCE_LEGEND))
    off_legend = (code != "") & (code != "[not printed]") & ~code.isin(list(EVIDENCE_LEGEND))
    quoted = basis.str.startswith("inferred:") & basis.str.contains(r"\d{3}_[0-9a-f]{16}\.txt § ", regex=True)
    ok = (
        ((status == UNRECORDED) & (inferred == "no") & (code.isin(["", "[not printed]"])))
        | (from_legend & (inferred == "no"))
        | ((status == "unclear") & off_legend & (inferred == "no"))
        | ((inferred == "yes") & quoted & (status != "not_produced") & code.isin(["", "[not printed]"]))
    )
    return evidence[~ok]


def clean_evidence_matrix(raw: pd.DataFrame) -> pd.DataFrame:
    """One row per authority x evidence item with a status from the legend."""
    mapped = raw.apply(
        lambda r: evidence_code_status(r["cell_as_printed"], r["cell_printed"]),
        axis=1,
        result_type="expand",
    )
    labels = dict(EVIDENCE_ITEMS)
    order = {item: i for i, (item, _) in enumerate(EVIDENCE_ITEMS, start=1)}
    items = raw["evidence_item"].map(_evidence_item_id)
    frame = pd.DataFrame(
        {
            "authority_id": raw["authority_as_printed"].map(authority_id),
            "evidence_item": items,
            "evidence_label": items.map(labels),
            "item_order": items.map(order).astype(int),
            "status": mapped[0],
            "raw_code": mapped[1],
            "basis": mapped[2],
            "inferred": "no",
            "source": raw["source"],
        }
    )
    return (
        frame.pipe(apply_evidence_inferences)
        .assign(authority=lambda f: f["authority_id"].map(AUTHORITIES))
        .sort_values(["authority_id", "item_order"], kind="stable")
        .reset_index(drop=True)
        .loc[
            :,
            [
                "authority_id",
                "authority",
                "evidence_item",
                "evidence_label",
                "item_order",
                "status",
                "raw_code",
                "basis",
                "inferred",
                "source",
            ],
        ]
    )


def evidence_matrix_issues(raw: pd.DataFrame) -> list[Issue]:
    issues = []
    truncated = raw[raw["cell_printed"] == "no"]
    for item, group in truncated.groupby("evidence_item", sort=False):
        names = ", ".join(group["authority_as_printed"])
        issues.append(
            Issue(
                "truncated_row",
                "evidence_matrix.csv",
                ", ".join(_row(raw, i) for i in group.index),
                "cell_as_printed",
                "",
                f"row '{item.strip()}' is truncated: no cell printed for {names}",
                "status 'unrecorded' unless another source states the fact (see basis)",
            )
        )
    lost = raw[(raw["cell_printed"] == "yes") & (raw["cell_as_printed"].str.strip() == "")]
    issues.append(
        Issue(
            "lost_glyph",
            "evidence_matrix.csv",
            "",
            "cell_as_printed",
            "",
            f"{len(lost)} of {len(raw)} cells print blank: the tick (available) and cross "
            "(not produced) glyphs were both lost in extraction",
            "status 'unrecorded' unless another source states the fact; inferences "
            "are listed in evidence.csv column basis",
        )
    )
    slash = raw[raw["cell_as_printed"].str.strip() == "/"]
    if len(slash):
        issues.append(
            Issue(
                "code_not_in_legend",
                "evidence_matrix.csv",
                ", ".join(_row(raw, i) for i in slash.index),
                "cell_as_printed",
                "/",
                "code '/' is not in the printed legend (tick, cross, NA)",
                "raw code kept; status 'unclear', both readings given in the basis",
            )
        )
    spaced = raw[raw["cell_as_printed"] != raw["cell_as_printed"].str.strip()]
    if len(spaced):
        issues.append(
            Issue(
                "stray_whitespace",
                "evidence_matrix.csv",
                ", ".join(_row(raw, i) for i in spaced.index),
                "cell_as_printed",
                "; ".join(repr(v) for v in spaced["cell_as_printed"].unique()),
                "codes printed with surrounding spaces",
                "whitespace stripped before mapping the code",
            )
        )
    issues += _spelling_issues(raw, "evidence_matrix.csv")
    return issues


#: The contracts of this source's raw files.
RAW_TABLES: tuple[RawTable, ...] = (
    RawTable(
        "evidence_matrix.csv",
        {
            "item_order": _col(_WHOLE, _in_range(1, 12, "an item number")),
            "evidence_item": _col(
                _NOT_BLANK, _parses(lambda v: _evidence_item_id(v), "one of the 12 evidence items")
            ),
            "column_position": _col(_WHOLE, _in_range(1, 15, "a column position")),
            "authority_as_printed": _col(_KNOWN_AUTHORITY),
            "cell_as_printed": _col(_one_of(["", "NA", "/"], strip=True)),
            "cell_printed": _col(_one_of(["yes", "no"])),
            "source": _col(_SOURCE),
        },
        ["item_order", "column_position"],
        required=(
            Required(
                ("item_order", "column_position"),
                _grid(range(1, 13), range(1, 16)),
                "12 evidence rows x 15 authority columns (002 Range of Evidence)",
            ),
        ),
        rows_to=(RowsTo("evidence.csv"),),
    ),
)
