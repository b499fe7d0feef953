"""The programme definition's ``survey`` key: phases, sectors, respondent groups, questions,
understanding items, the charts' questions, the response-file settings and the success sectors
(one parser, :func:`parse_survey`, registered in :data:`lib.programme.schema.PARSERS`)."""

from __future__ import annotations

from typing import Any

from lib.programme.model import (
    SURVEY_TABLES,
    Phase,
    Question,
    RespondentGroup,
    Sector,
    UnderstandingItem,
    spaced_key,
)
from lib.programme.reader import (
    MISSING,
    Reader,
    read_item,
)

Fields = dict[str, Any]


def _phases(r: Reader, survey: dict) -> tuple[Phase, ...]:
    phases = tuple(
        Phase(id=r.slug(n, p), spellings=r.texts(n, "spellings", p))
        for p, n in r.items(survey, "phases", "survey")
    )
    # The survey is a before/after design: its two phases have the ids "pre" and
    # "post" in every programme (what a programme calls them is in the spellings).
    for role in ("pre", "post"):
        if phases and role not in {ph.id for ph in phases}:
            r.problem(
                "survey.phases",
                [ph.id for ph in phases],
                f"a phase with id '{role}' (the before/after roles; name it in its spellings)",
            )
    return phases


def _sectors(r: Reader, survey: dict) -> tuple[Sector, ...]:
    return tuple(
        Sector(
            id=r.slug(n, p),
            label=r.text(n, "label", p) or "",
            title=r.text(n, "title", p) or "",
            phrase=r.text(n, "phrase", p) or "",
            claim_word=r.text(n, "claim_word", p) or "",
            spellings=r.texts(n, "spellings", p),
            in_explorer=r.flag(n, "in_explorer", p),
        )
        for p, n in r.items(survey, "sectors", "survey")
    )


def _respondent_groups(r: Reader, survey: dict) -> tuple[RespondentGroup, ...]:
    return tuple(
        RespondentGroup(
            id=r.slug(n, p),
            spellings=r.texts(n, "spellings", p),
            phrase=r.text(n, "phrase", p, optional=True),
            in_sector_total=r.flag(n, "in_sector_total", p),
        )
        for p, n in r.items(survey, "respondent_groups", "survey")
    )


def _questions(r: Reader, survey: dict) -> tuple[Question, ...]:
    questions = []
    for p, n in r.items(survey, "questions", "survey"):
        base = r.text(n, "base", p)
        r.member(f"{p}.base", base, ["respondents", "comments"], "what the shares are of")
        questions.append(
            Question(
                id=r.slug(n, p),
                number=r.get(n, "number", p, int, "a whole question number", default=0),
                label=r.text(n, "label", p) or "",
                explorer_label=r.text(n, "explorer_label", p) or "",
                base=base or "",
                printed_prefix=r.text(n, "printed_prefix", p, optional=True),
                claim_label=r.text(n, "claim_label", p, optional=True) or "",
            )
        )
    return tuple(questions)


def _understanding_items(r: Reader, survey: dict) -> tuple[UnderstandingItem, ...]:
    return tuple(
        UnderstandingItem(
            id=r.slug(n, p),
            label=r.text(n, "label", p) or "",
            chart_title=r.text(n, "chart_title", p) or "",
            note=r.text(n, "note", p) or "",
        )
        for p, n in r.items(survey, "understanding_items", "survey", minimum=0)
    )


def _chart_questions(r: Reader, survey: dict, questions: tuple[Question, ...]) -> tuple[tuple[str, str], ...]:
    out = []
    charts = r.get(survey, "chart_questions", "survey", dict, "a mapping", optional=True, default={})
    for which, qid in charts.items():
        r.member(f"survey.chart_questions.{which}", qid, [q.id for q in questions], "a survey question id")
        out.append((str(which), str(qid)))
    return tuple(out)


def _spelling_map(
    r: Reader, node: dict, key: str, allowed: list[str], what: str
) -> tuple[tuple[str, str], ...]:
    out = []
    for spelling, target in r.get(
        node, key, "survey.responses", dict, "a mapping", optional=True, default={}
    ).items():
        r.member(f"survey.responses.{key}.{spelling}", target, allowed, what)
        out.append((str(spelling), str(target)))
    return tuple(out)


def _responses(r: Reader, survey: dict, fields: Fields) -> Fields:
    responses = r.get(survey, "responses", "survey", dict, "a mapping", optional=True, default={})
    scale = r.get(responses, "scale", "survey.responses", list, "[low, high]", optional=True, default=[1, 7])
    if not (len(scale) == 2 and all(isinstance(v, int) for v in scale) and scale[0] < scale[1]):
        r.problem("survey.responses.scale", scale, "[low, high], whole numbers, low < high")
        scale = [1, 7]
    labels = r.get(
        responses, "scale_labels", "survey.responses", dict, "a mapping", optional=True, default={}
    )
    for label, point in labels.items():
        if not isinstance(point, int) or not scale[0] <= point <= scale[1]:
            r.problem(f"survey.responses.scale_labels.{label}", point, "a point on the scale")
    confident_from = r.get(
        responses, "confident_from", "survey.responses", int, "a whole number", optional=True, default=None
    )
    if confident_from is not None and not scale[0] < confident_from <= scale[1]:
        r.problem("survey.responses.confident_from", confident_from, "a point on the scale above its lowest")
        confident_from = None
    sector_ids = [s.id for s in fields["sectors"]] + [g.id for g in fields["respondent_groups"]]
    return {
        "response_scale": (scale[0], scale[1]),
        "response_confident_from": confident_from,
        "response_scale_labels": tuple((str(label), point) for label, point in labels.items()),
        "response_sector_spellings": _spelling_map(
            r, responses, "sector_spellings", sector_ids, "a sector or respondent group id"
        ),
        "response_phase_spellings": _spelling_map(
            r, responses, "phase_spellings", [p.id for p in fields["phases"]], "a phase id"
        ),
    }


def _success_sectors(r: Reader, survey: dict, fields: Fields) -> tuple[tuple[str, str], ...]:
    sector_ids = [s.id for s in fields["sectors"]] + [g.id for g in fields["respondent_groups"]]
    out = []
    for p, n in r.items(survey, "success_sectors", "survey", minimum=0):
        sid = r.text(n, "id", p)
        r.member(f"{p}.id", sid, sector_ids, "a sector or respondent group id")
        out.append((sid or "", r.text(n, "label", p) or ""))
    return tuple(out)


def _unique_spellings(r: Reader, kind: str, where: str, entries: Any) -> None:
    spellings = [
        (f"{where}[{i}].spellings[{j}]", s) for i, e in enumerate(entries) for j, s in enumerate(e.spellings)
    ]
    r.unique(f"{kind} spelling", spellings, spaced_key)


#: A programme without a survey: no phases, sectors, questions or items (the defaults elsewhere).
NO_SURVEY: Fields = {
    "phases": (),
    "sectors": (),
    "respondent_groups": (),
    "questions": (),
    "understanding_items": (),
    "impacts": (),
    "lost_label": "",
    "chart_questions": (),
    "success_sectors": (),
}


def surveyless(data: dict) -> bool:
    """Whether the definition says the programme has no survey: its ``optional_tables`` lists none
    of the survey's tables (then the ``survey`` key may be left out)."""
    listed = data.get("optional_tables")
    return isinstance(listed, list) and not set(map(str, listed)) & set(SURVEY_TABLES)


def parse_survey(r: Reader, data: dict, parsed: Fields) -> Fields:
    if "survey" not in data:  # one line when the programme has survey tables, not one per survey key
        if not surveyless(data):
            r.problem("survey", MISSING, "a mapping (the programme has survey tables)")
        return dict(NO_SURVEY)
    survey = r.get(data, "survey", "", dict, "a mapping", default={})
    fields: Fields = {
        "phases": _phases(r, survey),
        "sectors": _sectors(r, survey),
        "respondent_groups": _respondent_groups(r, survey),
        "questions": _questions(r, survey),
        "understanding_items": _understanding_items(r, survey),
        "impacts": tuple(read_item(r, p, n) for p, n in r.items(survey, "impacts", "survey", minimum=0)),
        "lost_label": r.text(survey, "lost_label", "survey") or "",
    }
    for key in ("phases", "sectors", "respondent_groups", "questions", "impacts"):
        r.unique_ids(f"survey.{key}", fields[key])
    _unique_spellings(r, "phase", "survey.phases", fields["phases"])
    _unique_spellings(r, "impact", "survey.impacts", fields["impacts"])
    fields["chart_questions"] = _chart_questions(r, survey, fields["questions"])
    fields.update(_responses(r, survey, fields))
    fields["success_sectors"] = _success_sectors(r, survey, fields)
    return fields
