"""No programme's words on another programme's pages, this direction: the distinctive words of
programme B (tests/fixtures/programme_b/make_fixture.py: its definition's names and its notes')
appear on none of the first programme's rendered pages. The other direction is
tests/sources/test_programme_b_build.py::test_no_word_of_the_first_programme_on_programme_bs_pages."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT / "tests"))
import _leaks  # noqa: E402

_spec = importlib.util.spec_from_file_location(
    "make_fixture", PROJECT_ROOT / "tests" / "fixtures" / "programme_b" / "make_fixture.py"
)
make_fixture = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_fixture)


def test_the_distinctive_words_are_names_not_prose(tmp_path):
    make_fixture.write_fixture(tmp_path)
    theirs = _leaks.distinctive(tmp_path, PROJECT_ROOT / "data")
    ours = _leaks.distinctive(PROJECT_ROOT / "data", tmp_path)
    assert {"ceredigion", "hubs", "family"} <= theirs and {"leeds", "richmond", "workshop"} <= ours
    assert not theirs & ours
    assert not (theirs | ours) & _leaks.GENERIC
    assert _leaks.visible_words("<p>Leeds &amp; <b>Richmond</b></p><script>var workshop</script>") == {
        "leeds",
        "richmond",
    }


def test_no_word_of_programme_b_on_this_programmes_pages(full_batch, tmp_path):
    make_fixture.write_fixture(tmp_path)
    theirs = _leaks.distinctive(tmp_path, PROJECT_ROOT / "data")
    pages = sorted(full_batch.html.glob("*.html"))
    assert len(pages) >= 17  # the programme report, 15 authorities, the index (and the caveats page)
    found = {}
    for page in pages:
        leaked = _leaks.visible_words(page.read_text(encoding="utf-8")) & theirs
        if leaked:
            found[page.name] = sorted(leaked)
    assert found == {}


def test_no_word_of_the_minimal_programme_on_this_programmes_pages(full_batch):
    """The other direction for tests/fixtures/programme_minimal (its own pages:
    tests/e2e/test_minimal_programme.py::test_no_word_of_the_first_programme_on_its_pages)."""
    minimal = PROJECT_ROOT / "tests" / "fixtures" / "programme_minimal"
    theirs = _leaks.distinctive(minimal, PROJECT_ROOT / "data")
    assert {"saltcombe", "gullhaven", "harbour", "ledger"} <= theirs
    found = {}
    for page in sorted(full_batch.html.glob("*.html")):
        leaked = _leaks.visible_words(page.read_text(encoding="utf-8")) & theirs
        if leaked:
            found[page.name] = sorted(leaked)
    assert found == {}
