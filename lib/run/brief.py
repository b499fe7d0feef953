"""The programme's one-page brief, as HTML and as a one-page A4 PDF, beside the reports.

The brief's content is :func:`lib.report.brief.brief_body` (from the results
tables); this module wraps it in the site's page (``templates/brief.html.j2``,
links to the index, programme report, glossary and caveats, A4 print rules)
and prints that page to PDF with the system's headless Chromium, the browser
the project's browser tests drive (``/usr/bin/chromium``). Without Chromium
the HTML brief is still written, and the index links only that.

Chromium stamps the PDF with the time it was printed; :func:`fixed_dates`
replaces those stamps (same length, so the PDF's byte offsets stay right)
with the data version's build, so the same inputs give the same bytes.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lib.files import atomic_write_bytes, atomic_write_text
from lib.run import banner, site

BRIEF_PAGE = "brief.html"
BRIEF_PDF = "brief.pdf"
CHROMIUM = Path("/usr/bin/chromium")
#: The flags the browser tests use (tests/_chromium.py), and no header or footer on the page.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-pdf-header-footer",
)
PRINT_TIMEOUT_S = 120
_PDF_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:(\d{14})([^)]*)\)")


@dataclass(frozen=True)
class Brief:
    html: str | None  # href beside the reports, None when no brief could be made
    pdf: str | None
    problem: str | None = None  # why there is no brief (or no PDF), one line


def render_brief_page(
    body: str, *, programme_name: str, synthetic: bool = False, pdf_href: str | None, printing: bool = False
) -> str:
    """The brief's page; ``printing``: the copy Chromium prints, with no links (a PDF's
    links would hold the absolute path of the folder it was printed in)."""
    from markupsafe import Markup

    return site.render_template(
        "brief.html.j2",
        body=Markup(body),  # noqa: S704 (rendered by lib.report's autoescaped templates)
        programme_name=programme_name,
        css=Markup(site.template_text("site.css")),  # noqa: S704 (a file of ours)
        nav=site.site_nav("brief", {}),
        version=site.workbook_version(),
        banner=synthetic,
        banner_text=banner.SYNTHETIC_SITE_TEXT,
        pdf_href=pdf_href,
        printing=printing,
    )


def fixed_dates(pdf: bytes, stamp: str = "20000101000000") -> bytes:
    """The PDF with its creation and modification dates set to ``stamp`` (14 digits, same length)."""
    return _PDF_DATE.sub(lambda m: b"/" + m.group(1) + b" (D:" + stamp.encode() + m.group(3) + b")", pdf)


#: sha256 of a printed page -> its PDF: a process that writes the same brief twice prints it once.
_PRINTED: dict[str, bytes] = {}


def print_pdf(html_path: Path, pdf_path: Path, chromium: Path = CHROMIUM) -> str | None:
    """Print ``html_path`` to ``pdf_path`` (A4, as its CSS says); None, or why it could not."""
    from lib.files import sha256_file

    digest = sha256_file(html_path)
    if digest in _PRINTED:
        atomic_write_bytes(pdf_path, _PRINTED[digest])
        return None
    if not chromium.is_file() and not shutil.which(str(chromium)):
        return f"{chromium} not found: the brief is published as HTML only"
    with tempfile.TemporaryDirectory(prefix="brief-") as tmp:
        out = Path(tmp) / BRIEF_PDF
        cmd = [str(chromium), *CHROMIUM_ARGS, f"--user-data-dir={tmp}/profile", f"--print-to-pdf={out}"]
        try:
            subprocess.run(
                [*cmd, html_path.resolve().as_uri()],
                capture_output=True,
                timeout=PRINT_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"printing the brief failed: {exc}"
        if not out.is_file() or not out.read_bytes().startswith(b"%PDF"):
            return "printing the brief failed: Chromium wrote no PDF"
        _PRINTED[digest] = fixed_dates(out.read_bytes())
    atomic_write_bytes(pdf_path, _PRINTED[digest])
    return None


def write_brief(processed_dir: Path, html_dir: Path, *, synthetic: bool = False) -> Brief:
    """Write ``brief.html`` (and ``brief.pdf`` when Chromium can print it) into ``html_dir``."""
    from lib.report import brief, workbook

    try:
        wb = workbook.load_workbook(processed_dir)
        body = brief.brief_body(brief.brief_tables(wb), wb.programme.name)
    except Exception as exc:  # noqa: BLE001 (a table the brief needs is missing or malformed: no brief, one line)
        (html_dir / BRIEF_PAGE).unlink(missing_ok=True)
        (html_dir / BRIEF_PDF).unlink(missing_ok=True)
        line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return Brief(None, None, f"the one-page brief could not be made: {line}")
    page, name = html_dir / BRIEF_PAGE, wb.programme.name
    with tempfile.TemporaryDirectory(prefix="brief-page-") as tmp:
        printed = Path(tmp) / BRIEF_PAGE
        printed.write_text(
            render_brief_page(
                str(body), programme_name=name, synthetic=synthetic, pdf_href=None, printing=True
            ),
            encoding="utf-8",
        )
        problem = print_pdf(printed, html_dir / BRIEF_PDF)
    if problem is not None:
        (html_dir / BRIEF_PDF).unlink(missing_ok=True)
    pdf = None if problem else BRIEF_PDF
    atomic_write_text(
        page, render_brief_page(str(body), programme_name=name, synthetic=synthetic, pdf_href=pdf)
    )
    return Brief(BRIEF_PAGE, pdf, problem)
