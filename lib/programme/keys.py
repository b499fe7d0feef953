"""Every key a programme definition may hold: its type, whether it is required,
its default, an example and what it means.

One table serves two readers: :func:`check_keys` rejects a key the table does
not name (at any depth, with the closest known key), and :func:`reference`
writes the definition's reference in data/README.md
(``python -m lib.programme reference``), so the documentation cannot drift
from what the parser accepts.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lib.programme.reader import Reader


@dataclass(frozen=True)
class Key:
    """One key of the definition.

    ``shape`` is ``value`` (a leaf), ``mapping`` (fixed keys: ``children``),
    ``list`` (a list of mappings, each with ``children``) or ``map`` (free keys
    named by ``free``, each value a leaf or, with ``children``, a list of
    mappings).
    """

    name: str
    type: str
    description: str
    example: str = ""
    required: bool = True
    default: str = ""
    shape: str = "value"
    children: tuple[Key, ...] = ()
    free: str = ""


def text(name: str, description: str, example: str = "", *, required: bool = True) -> Key:
    return Key(name, "text", description, example, required, "" if required else "none")


def texts(name: str, description: str, example: str = "", *, required: bool = False) -> Key:
    return Key(name, "list of text", description, example, required, "" if required else "[]")


def flag(name: str, description: str) -> Key:
    return Key(name, "true or false", description, "true", False, "false")


def mapping(name: str, description: str, *children: Key, required: bool = True) -> Key:
    return Key(
        name,
        "mapping",
        description,
        required=required,
        default="" if required else "{}",
        shape="mapping",
        children=children,
    )


def entries(name: str, description: str, *children: Key, required: bool = True) -> Key:
    kind = "list of mappings (at least one)" if required else "list of mappings"
    return Key(
        name,
        kind,
        description,
        required=required,
        default="" if required else "[]",
        shape="list",
        children=children,
    )


def free_map(name: str, free: str, value: str, description: str, example: str, *children: Key) -> Key:
    kind = f"mapping: {free} -> {value}"
    return Key(name, kind, description, example, False, "{}", "map", children, free)


ID = "a lowercase id: a-z and 0-9, words joined by '_'"


def item_keys(what: str, id_example: str, label_example: str) -> tuple[Key, ...]:
    """The shape several lists share: ``id``, ``label`` and extra printed ``spellings``."""
    return (
        text("id", f"{ID}; the {what}'s id in the processed tables", id_example),
        text("label", f"the {what} as reports name it", label_example),
        texts("spellings", "other printed forms", "[another printed form]"),
    )


_YEAR = (
    text("id", "the year, `YYYY-YY`", "2011-12"),
    text("key", f"{ID}; the year's role in charts", "year_one"),
    text("label", "how reports name the year", "2011-12 (year one)"),
    texts("spellings", "other printed forms", "[year one, first year]"),
)

_CODE = (
    text("status", "the evidence status id the code means", "available"),
    flag("in_printed_legend", "whether the source's legend lists the code (false for an off-legend glyph)"),
    text("basis", "recorded in `evidence.csv` for a cell with this code", "printed tick"),
)

_EVIDENCE = mapping(
    "evidence",
    "the evidence matrix: its rows, the legend and how lost cells are read",
    entries(
        "items",
        "the evidence matrix rows, in printed order",
        *item_keys("evidence item", "attitude_survey", "Attitude survey"),
    ),
    entries(
        "statuses",
        "the statuses a cell can have",
        text("id", ID, "available"),
        text("code", "printed in tables and charts (unique)", "Y"),
        text("label", "the status as reports name it", "available"),
        text("colour", "fill, `#RRGGBB` (colour-blind safe; contrast checked by tests)", "#1B7837"),
        text("text_colour", "text on the fill, `#RRGGBB`", "#FFFFFF"),
    ),
    entries(
        "printed_codes",
        "the printed legend: each code a cell may print",
        text("printed", "the printed code (may be empty)", "✓"),
        *_CODE,
    ),
    mapping(
        "not_printed",
        "status, raw code and basis for a cell lost to a truncated row",
        text("code", "the raw code written for a lost cell", "(lost)"),
        *_CODE,
    ),
    entries(
        "inferences",
        "a lost glyph given a status because another source positively states the fact; "
        "the basis written is `inferred: <reading> ('<statement>', <source>)`",
        text("item", "an evidence item id", "attitude_survey"),
        text("authority", "an authority id", "leeds"),
        text("status", "a legend status id", "available"),
        text("statement", "the source's own words", "a survey was carried out"),
        text("source", "where they are: `<file> § <section>`", "004_<16 hex>.txt § 2.2"),
        text("reading", "how the statement gives the status", "the survey report names it"),
        required=False,
    ),
    entries(
        "not_inferred",
        "why a lost glyph stays unrecorded although a source seems to speak to it",
        text("item", "an evidence item id", "questionnaire"),
        text("authority", "an authority id (none: every lost glyph of the item)", "kent", required=False),
        text("reason", "appended to the basis", "no source states it"),
        required=False,
    ),
    texts("never_inferred", "status ids an inference never gives", "[not_produced]"),
)

_SURVEY = mapping(
    "survey",
    "the before/after attitude survey: phases, sectors, questions and items; left out when "
    "`optional_tables` lists none of the survey tables (a programme without a survey)",
    entries(
        "phases",
        "survey phases; ids `pre` and `post` are required (the before/after roles)",
        text("id", ID, "pre"),
        texts("spellings", "printed forms", "[Before Workshop]"),
    ),
    entries(
        "sectors",
        "chart sectors, the first the whole survey",
        text("id", ID, "vcs"),
        text("label", "name in the processed tables", "VCS organisations"),
        text("title", "headings and explorer options", "VCS respondents"),
        text("phrase", "running text", "VCS respondents"),
        text("claim_word", "how the claim audit names it", "VCS"),
        texts("spellings", "printed forms"),
        flag("in_explorer", "offered as a sector in the explorer"),
    ),
    entries(
        "respondent_groups",
        "respondent groups the survey counts",
        text("id", ID, "local_authorities"),
        texts("spellings", "printed forms"),
        text("phrase", "running text, where not a sector", "local authority respondents", required=False),
        flag("in_sector_total", "counted in the sector bases"),
    ),
    entries(
        "questions",
        "survey questions",
        text("id", ID, "understanding"),
        Key("number", "whole number", "the question number", "1"),
        text("label", "the question as tables name it", "Q1 Confidence that they understand ..."),
        text("explorer_label", "the question in the explorer", "Understanding (Q1)"),
        text("base", "what a share is of: `respondents` or `comments`", "respondents"),
        text("printed_prefix", "prefix of its printed comment lists", "q2", required=False),
        text(
            "claim_label",
            "how the claim audit names it (default: `<id> (Q<number>)`)",
            "local authority role (Q4)",
            required=False,
        ),
    ),
    entries(
        "understanding_items",
        "the charts of the understanding question",
        text("id", ID, "understand_co_production"),
        text("label", "the item as reports name it", "Understanding co-production better"),
        text("chart_title", "the printed chart title, folded", "understanding co production better"),
        text("note", "what the source says of the chart", "its figures match the prose"),
        required=False,
    ),
    entries(
        "impacts",
        "items of the impacts question",
        *item_keys("impact", "extend_service_reach", "Extend service reach"),
        required=False,
    ),
    text("lost_label", "shown for a value printed without its label", "[label lost in extraction]"),
    mapping(
        "chart_questions",
        "which question the understanding charts and the impact charts answer "
        "(default: the first and second questions asked of respondents)",
        text("understanding", "a question id", "understanding", required=False),
        text("impacts", "a question id", "impacts", required=False),
        required=False,
    ),
    entries(
        "success_sectors",
        "the sectors whose attitudes the programme sought to change (the success judgement)",
        text("id", "a sector or respondent group id", "vcs"),
        text("label", "how the judgement names them", "VCS respondents"),
        required=False,
    ),
    mapping(
        "responses",
        "respondent-level response files (`data/raw/responses/`)",
        Key("scale", "[low, high]", "the answer scale, whole numbers", "[1, 5]", False, "[1, 7]"),
        free_map(
            "scale_labels", "label", "scale point", "worded answers and their points", "{Strongly agree: 7}"
        ),
        free_map(
            "sector_spellings",
            "spelling",
            "sector or respondent group id",
            "extra sector spellings",
            "{LA: local_authorities}",
        ),
        free_map("phase_spellings", "spelling", "phase id", "extra phase spellings", "{baseline: pre}"),
        Key(
            "confident_from",
            "whole number",
            "the first scale point that counts as confident (above the scale's lowest)",
            "5",
            False,
            "the first point above the midpoint",
        ),
        required=False,
    ),
)

_COMPLETENESS = free_map(
    "completeness",
    "raw file name",
    "list of printed layouts",
    "the keys each source prints, per raw file: the raw contract requires a row for every one",
    "{kpi_table.csv: [{columns: [...], grids: [...], printed: ...}]}",
    texts("columns", "the raw columns the keys fill", "[kpi_order, year_as_printed]", required=True),
    text("printed", "what the source prints, for the quality log", "every KPI for both years"),
    Key(
        "grids",
        "list of grids",
        "every combination of the axes, one axis per column: a list of values or `{from: a, to: b}`",
        "[[{from: 1, to: 5}, [Year one, Year two]]]",
        False,
        "[]",
    ),
    entries(
        "numbered",
        "rows numbered 1..count within a group (the last column holds the number)",
        Key("group", "list", "one value per column but the last", "[Leeds]"),
        Key("count", "whole number", "how many rows", "3"),
        required=False,
    ),
)

#: The definition's keys, in the order data/README.md lists them.
DEFINITION: tuple[Key, ...] = (
    Key("schema_version", "whole number", "the definition format's version", "1"),
    mapping(
        "programme",
        "the programme itself",
        text("id", "the programme's id", "cc-vcs-2011-13"),
        text("name", "reader-facing name", "Children's Centres and VCS programme"),
        entries("years", "programme years, in order", *_YEAR),
    ),
    entries(
        "source_documents",
        "the source documents; ids `programme_report` and `survey_report` are required roles "
        "(`survey_report` only with a survey)",
        text("id", ID, "programme_report"),
        text("file", "`NNN_<16 hex>.txt`, as cited in every raw row's `source`", "002_1a84d9ca59562927.txt"),
        text("title", 'how reports cite it: "programme report (002), § 6"', "programme report"),
    ),
    entries(
        "authorities",
        "the authorities, in printed order",
        text("id", "a lowercase slug: a-z and 0-9, words joined by '-'", "north-east-lincolnshire"),
        text("name", "display name", "North East Lincolnshire"),
        texts(
            "spellings", "every other printed form (matched after the authority-name folding)", "[ne lincs]"
        ),
        text("case_study", "source document id of its case study", "leeds_case_study", required=False),
        texts(
            "identified_as",
            "spellings that are another place's name (a town, a borough), read as this authority "
            "only by inference; each is also in `spellings`",
            "[northampton]",
        ),
        text(
            "identification",
            "why those names are read as this authority (shown on every cell and log row the reading gives)",
            "no partner is called Northampton ...",
            required=False,
        ),
    ),
    _EVIDENCE,
    entries(
        "profile_questions",
        "the authority profile questions, in order",
        *item_keys("question", "activity", "Programme activity"),
    ),
    entries(
        "kpis",
        "the programme's KPIs, in order",
        *item_keys("KPI", "vcs_satisfaction", "Achieving high levels of VCS satisfaction"),
    ),
    entries(
        "kpi_measures",
        "measures read from the KPI text",
        text("id", ID, "overall_good"),
        text("label", "the measure as reports name it", "Overall evaluation good or better"),
        text("pattern", "regular expression; group 1 the value", r"Overall evaluation\s*=\s*(\d+)%"),
        text("kind", "`count` or `proportion`", "proportion"),
        text(
            "names",
            "regular expression for words naming the measure in a cell (such a cell must print its figure)",
            r"overall\s+evaluation",
            required=False,
        ),
        required=False,
    ),
    entries(
        "activity_measures",
        "printed activity measures",
        text("printed", "the measure as printed", "focus workshops"),
        text("id", ID, "workshops"),
        text("label", "the measure as reports name it", "Workshops"),
        required=False,
    ),
    _SURVEY,
    entries(
        "case_study_groups",
        "case-study participant groups",
        text("id", ID, "vcs"),
        text("contains", "folded text the printed group name includes", "vcs"),
        required=False,
    ),
    mapping(
        "themes",
        "themes of the case-study proposals",
        entries("items", "the themes, in report order", *item_keys("theme", "vision", "Vision")),
        mapping(
            "authority_vision",
            "`<authority> offer and vision` is one theme",
            text("suffix", "the printed suffix", "offer and vision", required=False),
            text("theme", "the theme id it is", "vision", required=False),
            required=False,
        ),
    ),
    mapping(
        "commissioning",
        "the commissioning cycle",
        entries(
            "stages",
            "commissioning stages, in order",
            text("id", ID, "analyse"),
            text("label", "the stage as reports name it", "Analyse"),
            text("keyword", "a printed heading starts with it (folded)", "analys"),
            required=False,
        ),
        entries(
            "guidance_stage_columns",
            "practice guidance column -> stage",
            text("column", "the guidance column", "understanding_needs"),
            text("stage", "a stage id", "analyse"),
            required=False,
        ),
    ),
    mapping(
        "statements",
        "the programme's own statements (`programme_statements.csv`)",
        entries("topics", "topics, in report order", *item_keys("topic", "reach", "Reach"), required=False),
        texts("all_years", "printed phrases that mean every programme year", "[both years]", required=True),
    ),
    entries(
        "case_study_sections",
        "case-study sections (`case_study_sections.csv`); a printed heading starts with the label",
        *item_keys("section", "positive_impact", "Positive impact achieved"),
        required=False,
    ),
    Key(
        "optional_tables",
        "list of text",
        "the optional raw tables this programme has (file names under `raw/`); a report leaves out "
        "the sections that need one it lacks. Always required: `programme_membership.csv`; at least "
        "one evidence source (`evidence_matrix.csv`, the four survey tables together, `kpi_table.csv` or a "
        "`case_study_*.csv` table)",
        "[evidence_matrix.csv, kpi_table.csv]",
        False,
        "every optional table",
    ),
    _COMPLETENESS,
    free_map(
        "notes",
        "note id",
        "text",
        "sentences of this programme's sources the quality log quotes",
        "{lost_glyph: ...}",
    ),
    entries(
        "glossary",
        "this programme's own words (abbreviations, names) the glossary page explains",
        text("term", "the word or abbreviation as the pages print it", "VCS"),
        text("meaning", "what it means, for a reader new to the programme", "voluntary and community sector"),
        text("source", "the source document id the meaning comes from", "programme_report", required=False),
        required=False,
    ),
)


# --------------------------------------------------------------------------
# Unknown keys
# --------------------------------------------------------------------------


def _closest(name: str, known: list[str]) -> str | None:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return close[0] if close else None


def check_keys(r: Reader, node: Any, keys: tuple[Key, ...] = DEFINITION, path: str = "") -> None:
    """One problem per key the table does not name, at every depth, with the closest known key."""
    if not isinstance(node, dict):
        return  # a wrong type is the parser's problem
    known = {k.name: k for k in keys}
    for name, value in node.items():
        key = known.get(name)
        if key is None:
            r.unknown(path, str(name), value, list(known), _closest(str(name), list(known)))
            continue
        here = f"{path}.{name}" if path else str(name)
        _check_value(r, key, value, here)


def _check_value(r: Reader, key: Key, value: Any, here: str) -> None:
    if key.shape == "mapping":
        check_keys(r, value, key.children, here)
    elif key.shape == "list" and isinstance(value, list):
        for i, entry in enumerate(value):
            check_keys(r, entry, key.children, f"{here}[{i}]")
    elif key.shape == "map" and key.children and isinstance(value, dict):
        for name, entries_ in value.items():
            _check_value(
                r, Key(str(name), "", "", shape="list", children=key.children), entries_, f"{here}.{name}"
            )


# --------------------------------------------------------------------------
# The reference
# --------------------------------------------------------------------------


def walk(keys: tuple[Key, ...] = DEFINITION, prefix: str = "") -> Iterator[tuple[str, Key]]:
    """Every key with its path (``authorities[].id``, ``completeness.<raw file name>[].columns``)."""
    for key in keys:
        path = f"{prefix}{key.name}"
        yield path, key
        if key.shape == "mapping":
            yield from walk(key.children, f"{path}.")
        elif key.shape == "list":
            yield from walk(key.children, f"{path}[].")
        elif key.shape == "map" and key.children:
            yield from walk(key.children, f"{path}.<{key.free}>[].")


def _cell(text_: str) -> str:
    return text_.replace("|", "\\|")


def reference() -> str:
    """The definition's reference as a markdown table (every key, type, default, example)."""
    lines = [
        "| key | type | required | default | example | what it holds |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for path, key in walk():
        example = f"`{_cell(key.example)}`" if key.example else ""
        default = f"`{_cell(key.default)}`" if key.default else ""
        lines.append(
            f"| `{path}` | {_cell(key.type)} | {'yes' if key.required else 'no'} | {default} | {example} | "
            f"{_cell(key.description)} |"
        )
    return "\n".join(lines) + "\n"
