"""The evaluation plan (plan.yaml, lib/programme/plan.py): parsed, checked, one line per problem."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml

from lib import programme
from lib.programme.plan import parse_plan

PLAN = Path(programme.DEFAULT_DEFINITION).parent / "plan.yaml"
SCRIPT = Path(__file__).resolve().parents[1] / "fixtures" / "programme_b" / "make_fixture.py"


def _plan() -> dict:
    return yaml.safe_load(PLAN.read_text(encoding="utf-8"))


def test_first_programmes_plan_quotes_its_criteria_and_rates_the_design_level_1():
    plan = programme.current_programme().plan
    assert dict(plan.rating_scale.levels)[plan.design.kind] == 1 and plan.rating_scale.level_max == 5
    assert plan.decision_rules.tolerance_points == 2 and plan.decision_rules.both_ends
    seeds = {p.name[:3]: p.read_text(encoding="utf-8") for p in Path("/work/shared/seeds").glob("*.txt")}
    for c in plan.success_criteria:
        if seeds:  # each criterion is quoted verbatim from the document it cites
            text = " ".join(seeds[c.source[:3]].replace("\u2019", "'").split())
            assert " ".join(c.criterion.replace("\u2019", "'").split()).rstrip(".") in text


def test_unknown_key_is_one_line_with_the_closest_key():
    data = _plan()
    data["decision_rules"]["tolerence_points"] = data["decision_rules"].pop("tolerance_points")
    with pytest.raises(programme.ProgrammeDefinitionError) as err:
        parse_plan(data, "plan.yaml")
    assert (
        "error: plan.yaml, key decision_rules.tolerence_points: value 2: unknown key 'tolerence_points' in "
        "decision_rules; did you mean 'tolerance_points'?"
    ) in err.value.problems


def test_bad_values_each_give_a_line():
    data = _plan()
    data["design"]["kind"] = "rct"
    data["rating_scale"]["levels"]["unlinked"] = 9
    data["decision_rules"]["alpha"] = "five percent"
    with pytest.raises(programme.ProgrammeDefinitionError) as err:
        parse_plan(data, "plan.yaml")
    assert len(err.value.problems) == 3
    assert any("design.kind: value 'rct'" in p for p in err.value.problems)


def test_programme_b_reads_its_own_scale(tmp_path):
    spec = importlib.util.spec_from_file_location("make_fixture", SCRIPT)
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    prog = programme.load_programme(make.write_fixture(tmp_path))
    assert prog.plan.rating_scale.name == "Nesta Standards of Evidence"
    assert dict(prog.plan.rating_scale.levels)[prog.plan.design.kind] == 2
    assert prog.plan.decision_rules.tolerance_points == 3


def test_a_programme_without_a_plan_cannot_be_judged(tmp_path):
    path = tmp_path / "definition.yaml"
    path.write_text(Path(programme.DEFAULT_DEFINITION).read_text(encoding="utf-8"), encoding="utf-8")
    prog = programme.load_programme(path)
    with pytest.raises(programme.ProgrammeDefinitionError, match="plan.yaml: missing"):
        assert prog.plan is None  # never reached: the property raises


def test_a_plan_that_measured_nothing_names_the_design_none_with_no_level_or_level_0():
    data = _plan()
    data["design"]["kind"] = "none"  # the scale's levels name no level for it: not rated
    assert parse_plan(data, "plan.yaml").design.kind == "none"
    data["rating_scale"]["levels"]["none"] = 0
    assert dict(parse_plan(data, "plan.yaml").rating_scale.levels)["none"] == 0
    data["rating_scale"]["levels"]["none"] = -1
    data["rating_scale"]["levels"]["unlinked"] = 0  # only `none` may be not rated
    with pytest.raises(programme.ProgrammeDefinitionError) as err:
        parse_plan(data, "plan.yaml")
    assert err.value.problems == [
        "error: plan.yaml, key rating_scale.levels.unlinked: value 0: expected a level from 1 to 5",
        "error: plan.yaml, key rating_scale.levels.none: value -1: expected a level from 0 to 5",
    ]


def test_the_minimal_programme_declares_that_it_measured_nothing():
    folder = Path(__file__).resolve().parents[1] / "fixtures" / "programme_minimal"
    plan = parse_plan(yaml.safe_load((folder / "plan.yaml").read_text(encoding="utf-8")), "plan.yaml")
    assert plan.design.kind == "none" and dict(plan.rating_scale.levels)["none"] == 0
