"""The index page of a batch run (``html/index.html`` and ``<out>/index.html``).

One row per report, the programme report first and then the authorities A to
Z (:func:`lib.run.site.a_to_z`), each with:

* a one-line summary and the evidence coverage of the authority, computed from
  the processed tables (:func:`authority_summaries`: programme years,
  case study, named survey source; evidence items with a recorded status, an
  inferred one, or none);
* its status (OK, failed with the error, stale with the last attempt), build
  time and data version.

Then the downloads, and a footer with the build details: when the newest page
was built, the data version and the workbook version. A search box and a
status filter (``templates/index_filter.js``, inline: no event-handler
attributes, no ``eval``) narrow the table in the browser; without JavaScript
they stay hidden and every row shows. HTML from ``templates/run_index.html.j2``
(autoescaped).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from lib.run import banner, site

if TYPE_CHECKING:
    import pandas as pd

    from lib.report.facts import Coverage

EVIDENCE_CSV = "evidence.csv"
CASE_STUDY_FACTS_CSV = "case_study_facts.csv"
SURVEY_CSV = "survey.csv"
#: Index statuses in the order the filter lists them.
STATUS_ORDER = ("ok", "cached", "stale", "failed")


@dataclass(frozen=True)
class Summary:
    line: str
    coverage: Coverage | None


def __getattr__(name: str) -> object:
    """``index.Coverage``: :class:`lib.report.facts.Coverage`, imported on first use (the
    batch imports this module before any table is read)."""
    if name == "Coverage":
        from lib.report.facts import Coverage

        return Coverage
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _read_csv(path: Path) -> list[dict[str, str]] | None:
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error):
        return None


def _unrecorded() -> str:
    """The value the cleaning gives what no source states (``lib.evaluation.UNRECORDED``)."""
    from lib import evaluation

    return evaluation.UNRECORDED


def _years_phrase(years: str, withdrew: bool = False, inferred: str = "") -> str:
    """The years, worded as the authority's own page words them (:func:`lib.report.facts.years_words`),
    those only an inference gives marked so (:func:`lib.report.facts.years_inference_note`)."""
    from lib.report.facts import years_inference_note, years_words

    parts = [y.strip() for y in (years or "").split(";") if y.strip()]
    if not parts or parts == [_unrecorded()]:
        return "Programme year not stated in the sources"
    read = [y.strip() for y in (inferred or "").split(";") if y.strip()]
    return years_words(withdrew).capitalize() + " " + " and ".join(parts) + years_inference_note(parts, read)


def summary_line(row: dict[str, str], withdrawal: str | None = None, surveyed: bool = True) -> str:
    """``'Took part in 2012-13; case study published; named as a survey source'``;
    ``withdrawal``: when the authority withdrew, as its case study says (``'before the workshop ...'``):
    then ``'Selected for 2012-13 (withdrew ...)'``, as its page says; a year only an inference
    gives is marked so (``'Took part in 2011-12 (an inference: ...)'``); ``surveyed``: False for a
    programme with no survey, whose lines then name no survey source."""
    parts = [_years_phrase(row.get("years", ""), withdrawal is not None, row.get("years_inferred", ""))]
    if withdrawal is not None:
        left = f"withdrew {withdrawal}" if withdrawal else "withdrew"
        parts[0] = parts[0][:-1] + f"; {left})" if parts[0].endswith(")") else parts[0] + f" ({left})"
    if "case_study" in row:
        parts.append("case study published" if row["case_study"] == "yes" else "no case study")
    if "attitude_survey" in row and surveyed:
        parts.append(
            "named as a survey source" if row["attitude_survey"] == "yes" else "not named as a survey source"
        )
    return "; ".join(parts)


def authority_summaries(processed_dir: str | Path) -> dict[str, Summary]:
    """authority_id -> its summary, from ``authorities.csv``, ``evidence.csv`` and
    ``case_study_facts.csv``; the coverage and the withdrawal are worked out by
    :func:`lib.report.facts.coverage` and :func:`lib.report.facts.withdrawals`, as on the pages.

    Missing tables or columns give a shorter summary (no coverage), never a
    made-up one: an authority without evidence rows has no coverage.
    """
    from lib.report import facts  # the one home of both facts (imported on first use)

    pdir = Path(processed_dir)
    authorities = _read_csv(pdir / site.AUTHORITIES_CSV) or []
    covered = facts.coverage(_table(pdir / EVIDENCE_CSV, facts.COVERAGE_COLUMNS))
    left = facts.withdrawals(_table(pdir / CASE_STUDY_FACTS_CSV, facts.WITHDRAWAL_COLUMNS))
    surveyed = bool(_read_csv(pdir / SURVEY_CSV))
    out = {}
    for row in authorities:
        aid = (row.get("authority_id") or "").strip()
        if not aid:
            continue
        timing = left[aid].timing.strip() if aid in left else None
        out[aid] = Summary(line=summary_line(row, timing, surveyed), coverage=covered.get(aid))
    return out


def _table(path: Path, columns: Sequence[str]) -> pd.DataFrame:
    """The CSV's ``columns`` as a DataFrame of text; no rows when the file or a column is missing."""
    import pandas as pd

    rows = _read_csv(path) or []
    if not rows or not set(columns) <= set(rows[0]):
        return pd.DataFrame(columns=list(columns), dtype=str)
    return pd.DataFrame(rows, columns=list(columns)).fillna("")


def search_spellings() -> dict[str, tuple[str, ...]]:
    """authority_id -> the extra printed forms the programme definition lists
    (``'ne lincs'``), which the index's search matches as well as the name;
    {} when no definition can be read (the search then matches names only)."""
    from lib import programme

    try:
        authorities = programme.current_programme().authorities
    except programme.ProgrammeDefinitionError:
        return {}
    return {a.id: tuple(a.spellings) for a in authorities}


def _search_text(name: str, spellings: Sequence[str]) -> str:
    """What the search box matches for a row: the display name and every listed spelling."""
    return " | ".join(dict.fromkeys([name, *spellings]))


def _status(r: Any, href: str | None) -> tuple[str, str, str | None]:
    """(status key, status text, error line) of a report row."""
    attempt = getattr(r, "last_attempt", None) or {}
    if getattr(r, "stale", False):
        return (
            "stale",
            "Stale",
            (
                f"Not rebuilt by the last run ({attempt.get('status', 'not run')}"
                + (f": {attempt['error']}" if attempt.get("error") else "")
                + ("); this is the last good page." if href else "); no earlier page exists.")
            ),
        )
    if getattr(r, "cached", False) and r.ok:  # reused: inputs unchanged (lib.run.cache)
        return "cached", "OK (cached: inputs unchanged)", None
    if r.status == "ok":
        return "ok", "OK", None
    if r.status == "failed":
        return "failed", "Failed", r.error
    return r.status, r.status.capitalize(), r.error


def index_rows(
    results: Iterable[Any], *, prefix: str = "", summaries: dict[str, Summary] | None = None
) -> list[dict[str, Any]]:
    summaries = summaries or {}
    spellings = search_spellings()
    rows = []
    for r in results:
        html_rel = r.outputs.get("html")
        href = prefix + Path(html_rel).name if html_rel else None
        status, status_text, error = _status(r, href)
        summary = summaries.get(r.id) if r.kind == "authority" else None
        rows.append({
            "id": r.id, "kind": r.kind, "name": r.display_name,
            "search": _search_text(r.display_name, spellings.get(r.id, ()) if r.kind == "authority" else ()),
            "href": href, "status": status, "status_text": status_text, "error": error,
            "built": r.finished_at, "data_version": r.data_version,
            "data_version_short": r.data_version[:12],
            "summary": summary.line if summary else None,
            "coverage": summary.coverage if summary else None,
        })  # fmt: skip
    return rows


def render_index(
    results: Iterable[Any],
    *,
    prefix: str = "",
    dq_href: str | None = None,
    caveats_href: str | None = None,
    glossary_href: str | None = None,
    downloads: Sequence = (),
    summaries: dict[str, Summary] | None = None,
    data_version: str | None = None,
    synthetic: bool = False,
    brief: dict | None = None,
    changes: dict[str, list[str]] | None = None,
) -> str:
    """The index page (``results``: :class:`lib.run.outputs.ReportResult`).

    ``prefix`` is prepended to the relative report and download links;
    ``downloads`` are :class:`lib.run.downloads.Download` records;
    ``summaries`` come from :func:`authority_summaries`; ``data_version`` is
    the run's (default: the newest page's); ``synthetic`` shows the SYNTHETIC
    DATA banner; ``brief``: the one-page brief's hrefs (``html``, ``pdf``), linked
    from the programme's row. A report marked ``stale`` links its last good page and says
    why this run did not rebuild it."""
    rows = index_rows(results, prefix=prefix, summaries=summaries)
    programme = [x for x in rows if x["kind"] == "programme"]
    authorities = sorted(
        (x for x in rows if x["kind"] != "programme"), key=lambda x: site.report_order_key(x["name"], x["id"])
    )
    groups = [
        (g, items) for g, items in (("Programme", programme), ("Local authorities", authorities)) if items
    ]
    newest = max(rows, key=lambda x: x["built"] or "", default=None)

    def status_rank(key: str) -> tuple[int, str]:
        return (STATUS_ORDER.index(key) if key in STATUS_ORDER else len(STATUS_ORDER), key)

    statuses = sorted(
        {x["status"]: x["status_text"] for x in rows}.items(), key=lambda kv: status_rank(kv[0])
    )
    changed = [
        {"name": x["name"], "href": x["href"], "lines": (changes or {})[x["id"]]}
        for _, items in groups
        for x in items
        if (changes or {}).get(x["id"])
    ]
    return site.render_template(
        "run_index.html.j2",
        changed=changed,
        title="Evaluation reports",
        rows=rows,
        groups=groups,
        statuses=statuses,
        n_failed=sum(1 for x in rows if x["status"] == "failed"),
        n_stale=sum(1 for x in rows if x["status"] == "stale"),
        dq_href=dq_href,
        caveats_href=caveats_href,
        glossary_href=glossary_href,
        brief={k: prefix + (brief or {})[k] if (brief or {}).get(k) else None for k in ("html", "pdf")},
        downloads=[{"href": prefix + d.href, "label": d.label, "rows": d.rows} for d in downloads],
        built=newest["built"] if newest else None,
        data_version=data_version or (newest["data_version"] if newest else None),
        version=site.workbook_version(),
        css=Markup(site.template_text("site.css")),  # noqa: S704 (a file of ours)
        script=Markup(site.template_text("index_filter.js").replace("</", "<\\/")),  # noqa: S704
        banner=synthetic,
        banner_text=banner.SYNTHETIC_SITE_TEXT,
    )
