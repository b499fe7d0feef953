"""How much of each authority page is shared with other authority pages.

Reads the rendered authority reports (``outputs/html/<authority_id>.html`` from
a batch run, or any folder given), keeps the reader-visible prose (paragraphs,
list items, table cells, quotations, captions; not headings, scripts, styles
or page chrome), splits it into sentences, neutralises every authority's name
and every number, and for each page counts the share of its sentences that
also appear on at least one other authority page. Prints the median and the
worst page against the targets (issue 19): a median of at most 30%, the worst
page at most 45%.

    python bench/boilerplate.py [outputs/html]
"""

from __future__ import annotations

import re
import statistics
import sys
from html.parser import HTMLParser
from pathlib import Path

PROSE = {"p", "li", "td", "th", "blockquote", "figcaption", "caption", "dd", "dt", "summary"}
SKIP = {"script", "style", "h1", "h2", "h3", "h4", "h5", "h6", "nav", "header", "footer", "head", "title"}
#: Targets: the median page's and the worst page's share of sentences found on another page.
MEDIAN_TARGET = 0.30
WORST_TARGET = 0.45

SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9'\"(\u201c])")


class _Prose(HTMLParser):
    """Text of prose elements, one block per element, outside skipped elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._skip = 0
        self._quote = 0
        self._buf: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "blockquote":
            self._quote += 1
        if tag in SKIP and not (tag == "footer" and self._quote):  # a quotation's citation is prose
            self._skip += 1
        elif tag in PROSE or tag == "footer":
            self._flush()

    def handle_endtag(self, tag):
        if tag == "blockquote":
            self._quote = max(0, self._quote - 1)
        if tag in SKIP and not (tag == "footer" and self._quote):
            self._skip = max(0, self._skip - 1)
        elif tag in PROSE or tag == "footer":
            self._flush()

    def handle_data(self, data):
        if not self._skip:
            self._buf.append(data)

    def _flush(self):
        text = " ".join("".join(self._buf).split())
        if text:
            self.blocks.append(text)
        self._buf = []


def sentences(html: str) -> list[str]:
    parser = _Prose()
    parser.feed(html)
    parser._flush()
    out = []
    for block in parser.blocks:
        out += [s.strip() for s in SENTENCE.split(block) if s.strip()]
    return out


def neutralise(sentence: str, names: list[str]) -> str:
    text = sentence
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(re.escape(name), "AUTHORITY", text, flags=re.I)
    text = re.sub(r"\d+(?:[.,]\d+)*", "N", text)
    return " ".join(text.lower().split())


def shared_shares(pages: dict[str, str], names: list[str]) -> dict[str, float]:
    """For each page, the share of its distinct neutralised sentences found on another page."""
    sets = {pid: {neutralise(s, names) for s in sentences(html)} for pid, html in pages.items()}
    out = {}
    for pid, mine in sets.items():
        others = set().union(*(s for p, s in sets.items() if p != pid)) if len(sets) > 1 else set()
        out[pid] = len(mine & others) / len(mine) if mine else 0.0
    return out


def summary(shares: dict[str, float]) -> tuple[float, str, float]:
    worst = max(shares, key=shares.get)
    return statistics.median(shares.values()), worst, shares[worst]


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from lib.report import workbook

    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0] if args else "outputs/html")
    wb = workbook.load_workbook()
    authorities = wb.authorities
    pages = {
        aid: (folder / f"{aid}.html").read_text(encoding="utf-8")
        for aid in authorities["authority_id"]
        if (folder / f"{aid}.html").exists()
    }
    names = [n for a in wb.programme.authorities for n in (a.name, *a.spellings)]
    shares = shared_shares(pages, names)
    median, worst, worst_share = summary(shares)
    for aid, share in sorted(shares.items(), key=lambda kv: kv[1]):
        print(f"{aid:28s} {share:6.1%} of its sentences appear on another authority page")
    print(f"median {median:.1%}; worst {worst} {worst_share:.1%} ({len(shares)} authority pages)")
    met = median <= MEDIAN_TARGET and worst_share <= WORST_TARGET
    print(
        f"targets: median at most {MEDIAN_TARGET:.0%}, worst at most {WORST_TARGET:.0%}: "
        + ("met" if met else "not met")
    )
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
