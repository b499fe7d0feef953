"""The one verdict vocabulary: never stronger than the weakest leg."""

import pytest

from lib.analysis import verdicts as v


def test_every_verdict_is_defined_for_readers_and_ranked():
    assert set(v.DEFINITIONS) == set(v.VERDICTS) == set(v.STRENGTH)
    assert all(text.endswith(".") for text in v.DEFINITIONS.values())


def test_weakest_leg_decides():
    assert v.weakest([v.SUPPORTED, v.DIRECTION_ONLY]) == v.DIRECTION_ONLY
    assert v.weakest([v.SUPPORTED, v.ASSOCIATION]) == v.ASSOCIATION
    assert v.weakest([v.SUPPORTED, v.SUPPORTED]) == v.SUPPORTED
    assert v.weakest([]) == v.UNTESTABLE


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ([v.SUPPORTED, v.SUPPORTED], v.SUPPORTED),
        ([v.SUPPORTED, v.DIRECTION_ONLY], v.PARTLY),
        ([v.SUPPORTED, v.UNTESTABLE], v.PARTLY),
        ([v.DIRECTION_ONLY, v.UNTESTABLE], v.DIRECTION_ONLY),
        ([v.DIRECTION_ONLY, v.NOT_SUPPORTED], v.NOT_SUPPORTED),
        ([v.UNTESTABLE, v.UNTESTABLE], v.UNTESTABLE),
    ],
)
def test_combined_statement(parts, expected):
    assert v.combine(parts) == expected


def test_unknown_word_is_refused():
    with pytest.raises(ValueError, match="unknown verdict 'proven'"):
        v.check_verdict("proven")


def test_a_programme_without_a_survey_gets_the_same_rules_without_survey_words():
    import re

    survey_words = re.compile(r"survey|respondent|answered|\bbases?\b", re.I)
    without = v.vocabulary(survey=False)
    assert v.DESCRIPTIVE not in without and set(without) | {v.DESCRIPTIVE} == set(v.VERDICTS)
    assert [w for w in without if survey_words.search(f"{w} {v.definition(w, survey=False)}")] == []
    # with a survey, the definitions are the shared ones, word for word
    assert all(v.definition(w) == v.DEFINITIONS[w] for w in v.VERDICTS)
    with pytest.raises(ValueError, match="unknown verdict"):
        v.definition("proven", survey=False)
