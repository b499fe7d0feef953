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
#: Printed briefs kept in a run's cache folder (the most recently used).
KEEP_PRINTED = 8


def printer_identity(chromium: Path = CHROMIUM) -> str | None:
    """What decides a printed page's bytes besides the page: the browser's version and launcher,
    the flags and this module's code; None when the browser cannot say."""
    from lib.files import sha256_file

    try:
        version = subprocess.run(
            [str(chromium), "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return None
    if not version:
        return None
    launcher = sha256_file(chromium) if chromium.is_file() else str(chromium)
    return " ".join([version, launcher, *CHROMIUM_ARGS, sha256_file(Path(__file__))])


def _stored(cache_dir: Path | None, digest: str, chromium: Path) -> Path | None:
    """Where the PDF of the page with sha256 ``digest`` printed by ``chromium`` is kept (None: not kept)."""
    if cache_dir is None:
        return None
    identity = printer_identity(chromium)
    if identity is None:
        return None
    import hashlib

    return cache_dir / (hashlib.sha256(f"{digest}\0{identity}".encode()).hexdigest() + ".pdf")


def _keep(stored: Path, pdf: bytes) -> None:
    """Keep a printed brief for the next run; only the most recently used few stay."""
    import contextlib

    with contextlib.suppress(OSError):
        atomic_write_bytes(stored, pdf)
        kept = sorted(stored.parent.glob("*.pdf"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in kept[KEEP_PRINTED:]:
            old.unlink(missing_ok=True)


def print_pdf(
    html_path: Path, pdf_path: Path, chromium: Path = CHROMIUM, cache_dir: Path | None = None
) -> str | None:
    """Print ``html_path`` to ``pdf_path`` (A4, as its CSS says); None, or why it could not.
    ``cache_dir``: where printed pages are kept, by the page's bytes and the browser
    (:func:`printer_identity`): a page printed before is not printed again."""
    from lib.files import sha256_file

    digest = sha256_file(html_path)
    if digest in _PRINTED:
        atomic_write_bytes(pdf_path, _PRINTED[digest])
        return None
    if not chromium.is_file() and not shutil.which(str(chromium)):
        return f"{chromium} not found: the brief is published as HTML only"
    stored = _stored(cache_dir, digest, chromium)
    if stored is not None and stored.is_file() and stored.read_bytes().startswith(b"%PDF"):
        stored.touch()
        _PRINTED[digest] = stored.read_bytes()
        atomic_write_bytes(pdf_path, _PRINTED[digest])
        return None
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
    if stored is not None:
        _keep(stored, _PRINTED[digest])
    atomic_write_bytes(pdf_path, _PRINTED[digest])
    return None


def write_brief(
    processed_dir: Path, html_dir: Path, *, synthetic: bool = False, cache_dir: Path | None = None
) -> Brief:
    """Write ``brief.html`` (and ``brief.pdf`` when Chromium can print it) into ``html_dir``;
    ``cache_dir``: where printed briefs are kept (:func:`print_pdf`)."""
    from lib.report import brief
    from lib.run.changes import results_workbook

    try:
        wb = results_workbook(processed_dir)
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
        problem = print_pdf(printed, html_dir / BRIEF_PDF, cache_dir=cache_dir)
    if problem is not None:
        (html_dir / BRIEF_PDF).unlink(missing_ok=True)
    pdf = None if problem else BRIEF_PDF
    atomic_write_text(
        page, render_brief_page(str(body), programme_name=name, synthetic=synthetic, pdf_href=pdf)
    )
    return Brief(BRIEF_PAGE, pdf, problem)
