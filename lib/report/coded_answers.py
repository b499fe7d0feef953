"""Free-text answers coded by theme: the programme page's section, and the
figures the coding widget and the explorer show.

The build reads the free-text answers of the response files and the
evaluators' codes (:mod:`lib.sources.free_text`). Here each theme's share of
the coded answers is worked out on its exact base with a Wilson interval,
with up to two quotes that pass disclosure control
(:func:`lib.analysis.disclosure.quote_passes`); where two coders coded the
same answers, Cohen's kappa per theme (:mod:`lib.analysis.kappa`) and the
answers they disagree on.

A theme counts for an answer when every coder who coded the answer ticked
it: where coders disagree, the answer is not counted for that theme (the
weaker reading), and the disagreement is listed.
"""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup

from lib.analysis import disclosure, kappa, uncertainty
from lib.report.format import count_phrase, percent_interval
from lib.report.html import bullets, join, note, paragraph, quote_block, table_html
from lib.report.pages import PROGRAMME_PAGE
from lib.report.workbook import Workbook, phase_word, sector_phrase
from lib.sources import free_text

#: How many disagreements the page lists before counting the rest.
DISAGREEMENTS_LISTED = 20
QUOTES_PER_THEME = 2


def coded_tables(wb: Workbook) -> dict[str, pd.DataFrame] | None:
    """The free-text tables the build wrote (answers, codes, agreement), or None (read once)."""
    cache = wb.__dict__.setdefault("_free_text_tables", {})
    if "tables" not in cache:
        cache["tables"] = free_text.load_free_text_tables(wb.processed_dir)
    return cache["tables"]


def respondent_words(wb: Workbook, sector_id: str) -> str:
    """Running text for the respondents of a sector or group ("VCS respondents")."""
    if sector_id == free_text.UNSTATED_SECTOR:
        return "respondents who did not state a sector"
    try:
        return sector_phrase(wb, sector_id)
    except KeyError:
        return f"{sector_id.replace('_', ' ')} respondents"


def question_text(wb: Workbook, question: str) -> str:
    return next(q.label for q in wb.programme.questions if q.id == question)


def theme_labels(wb: Workbook) -> dict[str, str]:
    return {t.id: t.label for t in wb.programme.themes}


def consensus(codes: pd.DataFrame) -> pd.DataFrame:
    """One row per coded answer x theme: ``applies`` when every coder who coded
    the answer ticked the theme; ``coders`` how many coded it."""
    grouped = codes.groupby(["answer_id", "theme"], sort=True)
    return pd.DataFrame(
        {"applies": grouped["applies"].all(), "coders": grouped["coder"].nunique()}
    ).reset_index()


def theme_shares(wb: Workbook, question: str) -> pd.DataFrame:
    """Each theme's share of the coded answers to ``question``: ``theme, label,
    k, n, share, low, high, shown`` (``shown``: base at least the disclosure threshold)."""
    tables = coded_tables(wb)
    answers = tables["free_text_answers"]
    ids = set(answers.loc[answers["question"] == question, "answer_id"])
    agreed = consensus(tables["free_text_codes"])
    agreed = agreed[agreed["answer_id"].isin(ids)]
    n = int(agreed["answer_id"].nunique())
    limit = disclosure.disclosure_threshold()
    rows = []
    for theme, label in theme_labels(wb).items():
        k = int(agreed.loc[agreed["theme"] == theme, "applies"].sum())
        low, high = uncertainty.wilson_interval(k, n) if n else (float("nan"), float("nan"))
        rows.append(
            {
                "theme": theme,
                "label": label,
                "k": k,
                "n": n,
                "share": k / n if n else float("nan"),
                "low": low,
                "high": high,
                "shown": n >= limit,
            }
        )
    return pd.DataFrame(rows)


def theme_quotes(wb: Workbook, question: str, theme: str, n: int = QUOTES_PER_THEME) -> list[tuple[str, str]]:
    """Up to ``n`` ``(quote, attribution)`` for a theme, in answer order, each
    passing disclosure control (group: the answers of its sector and phase to the question)."""
    tables = coded_tables(wb)
    answers = tables["free_text_answers"]
    asked = answers[answers["question"] == question]
    agreed = consensus(tables["free_text_codes"])
    coded = set(agreed.loc[(agreed["theme"] == theme) & agreed["applies"], "answer_id"])
    quotes: list[tuple[str, str]] = []
    for r in asked[asked["answer_id"].isin(coded)].itertuples(index=False):
        if r.text not in {q for q, _ in quotes} and quotable(wb, r.answer_id):
            attribution = f"{respondent_words(wb, r.sector)}, {phase_word(wb, r.phase)}"
            quotes.append((r.text, attribution[0].upper() + attribution[1:]))
        if len(quotes) == n:
            break
    return quotes


def quotable(wb: Workbook, answer_id: str) -> bool:
    """Whether an answer may be quoted: :func:`disclosure.quote_passes`, its group
    being the answers to the same question from the same sector in the same phase."""
    answers = coded_tables(wb)["free_text_answers"]
    row = answers[answers["answer_id"] == answer_id].iloc[0]
    group = answers[
        (answers["question"] == row["question"])
        & (answers["sector"] == row["sector"])
        & (answers["phase"] == row["phase"])
    ]
    return disclosure.quote_passes(row["text"], len(group))


def shares_table(wb: Workbook, question: str) -> pd.DataFrame:
    """The shares of :func:`theme_shares` as the page prints them ([c] below the threshold)."""
    shares = theme_shares(wb, question)
    return pd.DataFrame(
        {
            "Theme": shares["label"],
            "Answers with the theme": [
                f"{k} of {n}" if ok else disclosure.SUPPRESSED
                for k, n, ok in zip(shares["k"], shares["n"], shares["shown"], strict=True)
            ],
            "Share": [
                disclosure.format_percent(s) if ok else disclosure.SUPPRESSED
                for s, ok in zip(shares["share"], shares["shown"], strict=True)
            ],
            "95% CI": [
                percent_interval(lo, hi) if ok else disclosure.SUPPRESSED
                for lo, hi, ok in zip(shares["low"], shares["high"], shares["shown"], strict=True)
            ],
        }
    )


def _question_part(wb: Workbook, question: str) -> Markup:
    shares = theme_shares(wb, question)
    n = int(shares["n"].iloc[0]) if len(shares) else 0
    if n == 0:
        return Markup("")
    quotes = [
        join(
            paragraph(f"{label}:"), *(quote_block(text, cite) for text, cite in theme_quotes(wb, question, t))
        )
        for t, label, ok in zip(shares["theme"], shares["label"], shares["shown"], strict=True)
        if ok and theme_quotes(wb, question, t)
    ]
    return join(
        table_html(
            shares_table(wb, question),
            f"{question_text(wb, question)}: share of the {count_phrase(n, 'coded answer')} "
            "with each theme (exact base; disclosure control applied)",
        ),
        join(paragraph("In respondents' own words (quotes that pass disclosure control):"), *quotes)
        if quotes
        else Markup(""),
    )


def agreement_table(wb: Workbook) -> pd.DataFrame:
    """Kappa per coder pair and theme, with the reader's columns."""
    tables = coded_tables(wb)
    found = kappa.theme_kappas(tables["free_text_agreement"])
    found = found[found["n_answers"] > 0]
    labels = theme_labels(wb)
    return pd.DataFrame(
        {
            "Coders": found["first_coder"] + " and " + found["second_coder"],
            "Theme": found["theme"].map(labels),
            "Answers both coded": found["n_answers"].astype(str),
            "Agreement": [disclosure.format_percent(v) for v in found["observed"]],
            "Cohen's kappa": ["undefined" if k != k else f"{k:.2f}" for k in found["kappa"]],
            "Review": [
                "below 0.6: review the theme" if low else "undefined: one answer throughout" if k != k else ""
                for low, k in zip(found["low"], found["kappa"], strict=True)
            ],
        }
    )


def disagreements(wb: Workbook) -> pd.DataFrame:
    """Answers two coders coded differently: ``answer_id, question, text, sector,
    phase, theme, coder, applies`` (one row per answer x theme x coder)."""
    tables = coded_tables(wb)
    codes = tables["free_text_codes"]
    split = codes.groupby(["answer_id", "theme"])["applies"].transform("nunique") > 1
    return codes[split].merge(tables["free_text_answers"], on="answer_id")


def _disagreement_lines(wb: Workbook) -> list[str]:
    found = disagreements(wb)
    labels, lines = theme_labels(wb), []
    for aid, rows in found.groupby("answer_id", sort=False):
        first = rows.iloc[0]
        text = (
            first["text"]
            if quotable(wb, str(aid))
            else f"{disclosure.SUPPRESSED} (withheld: disclosure control)"
        )
        who = "; ".join(
            f"{labels[t]}: ticked by {', '.join(sorted(g.loc[g['applies'], 'coder']))}, "
            f"not by {', '.join(sorted(g.loc[~g['applies'], 'coder']))}"
            for t, g in rows.groupby("theme", sort=True)
        )
        lines.append(f"“{text}” ({question_text(wb, first['question']).split(' ')[0]}): {who}")
    return lines


def _agreement_part(wb: Workbook) -> Markup:
    table = agreement_table(wb)
    if table.empty:
        return Markup("")
    lines = _disagreement_lines(wb)
    low = table["Review"].str.startswith("below").sum()
    return join(
        paragraph(
            "Where two coders coded the same answers, their agreement on each theme is measured with "
            "Cohen's kappa (1 = full agreement, 0 = no more than chance).",
            f"{count_phrase(int(low), 'theme')} with kappa below 0.6 {'is' if low == 1 else 'are'} flagged "
            "for review: a flagged theme's share rests on a reading the coders do not share. Where "
            "neither coder ticked a theme (or both ticked it on every answer), kappa is undefined.",
        ),
        table_html(table, "Agreement between coders, theme by theme"),
        paragraph(f"The coders disagree on {count_phrase(len(lines), 'answer')}:") if lines else Markup(""),
        bullets(lines[:DISAGREEMENTS_LISTED]),
        note(f"And {len(lines) - DISAGREEMENTS_LISTED} more.") if len(lines) > DISAGREEMENTS_LISTED else "",
    )


@PROGRAMME_PAGE.headed("coded-answers")
def coded_answers_section(wb: Workbook) -> Markup:
    """Free-text answers coded against the definition's themes; nothing when the
    build read no free-text answers, one line when none is coded yet."""
    tables = coded_tables(wb)
    if tables is None or tables["free_text_answers"].empty:
        return Markup("")
    n_answers, codes = len(tables["free_text_answers"]), tables["free_text_codes"]
    if codes.empty:
        return paragraph(
            f"The response files hold {count_phrase(n_answers, 'free-text answer')}; none has been "
            "coded against the themes yet."
        )
    coded = codes["answer_id"].nunique()
    questions = [q for q, _ in free_text.free_text_questions()]
    return join(
        paragraph(
            f"Evaluators coded {coded} of the {count_phrase(n_answers, 'free-text answer')} against the "
            f"programme's {len(theme_labels(wb))} themes. A theme counts for an answer when every coder "
            "who coded it ticked the theme. Shares are of the coded answers to each question, with "
            "95% Wilson intervals; a share on fewer answers than the disclosure threshold is shown as "
            f"{disclosure.SUPPRESSED}.",
        ),
        *(_question_part(wb, q) for q in questions),
        _agreement_part(wb),
    )
