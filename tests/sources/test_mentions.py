"""lib/sources/mentions.py: what else the documents say about one authority.

The reference is the source documents themselves: every transcribed sentence must
occur, character for character, in the document its provenance names, and every
sentence of the documents that names an authority must be in some raw table.
"""

from __future__ import annotations

import csv
import re
import shutil

import pandas as pd
import pytest

from lib.config import PROJECT_ROOT, RAW_DIR
from lib.sources.contract import RawDataError
from lib.sources.mentions import MENTION_TOPICS, clean_mentions
from lib.sources.reading import read_raw

NAME = "authority_mentions.csv"
#: The documents sit beside the project (main) or beside its worktree folder.
SEEDS_DIR = next(
    (
        p
        for p in (PROJECT_ROOT.parent / "shared" / "seeds", PROJECT_ROOT.parents[1] / "shared" / "seeds")
        if p.is_dir()
    ),
    PROJECT_ROOT.parent / "shared" / "seeds",
)


def _raw_rows() -> list[dict[str, str]]:
    with open(RAW_DIR / NAME, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason="source documents not available")
def test_every_transcribed_sentence_is_verbatim_in_its_document():
    rows = _raw_rows()
    assert rows
    for row in rows:
        file, _, section = row["source"].partition(" § ")
        assert section, row
        document = (SEEDS_DIR / file).read_text(encoding="utf-8")
        assert row["text"] in document, (row["authority_as_printed"], row["text"][:60])
        # the sentence's authority is named in it or in its section's heading
        assert row["authority_as_printed"].split()[0] in row["text"] + section, row


@pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason="source documents not available")
@pytest.mark.parametrize(
    "file, sentence",
    [
        # the issue's two examples
        (
            "000_e64096077011f87f.txt",
            "the process is legally robust but a lack of co-design affected the final outcomes",
        ),
        ("004_be0f5f862c51d4da.txt", "Seven parents in Poole and Telford completed the survey."),
    ],
)
def test_the_issues_examples_are_transcribed(file, sentence):
    assert sentence in (SEEDS_DIR / file).read_text(encoding="utf-8")
    assert any(sentence in r["text"] and r["source"].startswith(file) for r in _raw_rows())


@pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason="source documents not available")
def test_a_sentence_naming_two_authorities_is_a_row_for_each():
    parents = [r for r in _raw_rows() if r["text"].startswith("Seven parents")]
    assert sorted(r["authority_as_printed"] for r in parents) == ["Poole", "Telford"]


def test_cleaning_resolves_each_spelling_and_orders_by_topic():
    raw = pd.DataFrame(
        {
            "authority_as_printed": ["Telford", "Kent County Council", "Kent County Council"],
            "mention_order": ["1", "2", "1"],
            "topic": ["survey_respondents", "background_example", "aims"],
            "text": ["Parents  answered.", "An example.", "An aim."],
            "source": ["004_be0f5f862c51d4da.txt § 2.3"] * 3,
            "transcription_note": ["", "", ""],
        }
    )
    out = clean_mentions(raw)
    assert out["authority_id"].tolist() == ["kent", "kent", "telford-and-wrekin"]
    assert out["topic"].tolist() == ["aims", "background_example", "survey_respondents"]
    assert out["topic_label"].tolist()[0] == dict(MENTION_TOPICS)["aims"]
    assert out["text"].tolist()[-1] == "Parents answered."  # whitespace tidied, words kept


def test_a_topic_outside_the_vocabulary_stops_with_one_line(tmp_path):
    shutil.copy(RAW_DIR / NAME, tmp_path / NAME)
    lines = (tmp_path / NAME).read_text(encoding="utf-8").splitlines()
    lines[1] = re.sub(r",aims,", ",gossip,", lines[1])
    (tmp_path / NAME).write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(RawDataError) as err:
        read_raw(NAME, tmp_path)
    problems = [str(p) for p in err.value.problems]
    assert len(problems) == 1
    assert "row 2" in problems[0] and "'topic'" in problems[0] and "gossip" in problems[0]


def test_the_processed_table_keeps_every_raw_row(evaluation_build):
    mentions = evaluation_build.tables["authority_mentions"]
    assert len(mentions) == len(_raw_rows())
    assert set(mentions["text"]) == {" ".join(r["text"].split()) for r in _raw_rows()}


#: Sentences naming an authority that are headings or lead-ins, not facts about it.
HEADINGS = ("The challenges for ", "Learning from listening: ")
AUTHORITY_WORDS = re.compile(
    r"\b(barnet|bexley|darlington|greenwich|hillingdon|kent|knowsley|leeds|luton|lincs|lincolnshire|"
    r"northampton\w*|poole|richmond|telford|wrekin|westminster)\b",
    re.I,
)


def _plain(text: str) -> str:
    text = re.sub(r"<[^>]+>|\*\*|^#+\s*|^·\s*|[¹²³]", "", text.strip())
    return " ".join(text.replace("\u2019", "'").split())


@pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason="source documents not available")
def test_every_sentence_naming_an_authority_is_in_a_raw_table():
    cells = " || ".join(
        _plain(cell)
        for path in RAW_DIR.glob("*.csv")
        for row in csv.reader(path.open(encoding="utf-8", newline=""))
        for cell in row
    )
    missing = []
    for document in sorted(SEEDS_DIR.glob("*.txt")):
        for line in document.read_text(encoding="utf-8").splitlines():
            for sentence in re.split(r"(?<=[.?!])\s+|\t", line):
                text = _plain(sentence)
                if not AUTHORITY_WORDS.search(text) or text.startswith(HEADINGS):
                    continue
                # a proposal prints its theme, then its text: two cells of case_study_proposals.csv
                theme, colon, rest = text.partition(": ")
                if text not in cells and not (colon and theme in cells and rest in cells):
                    missing.append(f"{document.name}: {text[:80]}")
    assert missing == []
