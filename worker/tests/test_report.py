"""The recall summary the service stores: shares per phase, by direction, and the recovery ratio."""

import pytest

from qaforge_worker.data import QAPair
from qaforge_worker.report import recall, result_rows


def item(contained, f1=None, judge=None, key_facts=None):
    return {"answer": "a", "exactMatch": contained, "f1": f1 if f1 is not None else float(contained),
            "contained": contained, "keyFacts": contained if key_facts is None else key_facts, "judge": judge}


QUESTIONS = [QAPair("q1", "a", id="1", direction="forward", context="c"),
             QAPair("q2", "a", id="2", direction="forward", context="c"),
             QAPair("q3", "a", id="3", direction="reverse", context="c"),
             QAPair("q4", "a", id="4", direction=None, context=None)]


def test_recovery_ratio_is_after_minus_before_over_in_context_minus_before():
    # The recipe's rulebook: 2/11 before, 8/11 after, 11/11 in context -> (8-2)/(11-2) = 0.67; here on 3 questions.
    phases = {"before": [item(False), item(False), item(True), item(False)],
              "inContext": [item(True), item(True), item(True), None],
              "after": [item(True), item(False), item(True), item(True)]}
    r = recall(QUESTIONS, phases)
    assert r["before"]["questions"] == 4 and r["inContext"]["questions"] == 3
    assert r["after"]["contained"] == 0.75 and r["before"]["contained"] == 0.25
    # over the three questions scored in every phase: before 1/3, in context 3/3, after 2/3 -> 0.5
    assert r["recoveryRatio"] == pytest.approx(0.5)
    assert r["recoveryRatioBy"]["keyFacts"] == r["recoveryRatio"] and r["recoveryRatioMetric"] == "keyFacts"
    assert r["recoveryRatioBy"]["judge"] is None and r["after"]["judge"] is None  # nobody judged
    assert set(r["after"]["byDirection"]) == {"forward", "reverse"}
    assert r["after"]["byDirection"]["forward"] == {"questions": 2, "keyFacts": 0.5, "exactMatch": 0.5, "tokenF1": 0.5,
                                                    "contained": 0.5, "judge": None}


def test_the_recovery_ratio_counts_a_right_short_answer_that_contained_misses():
    # "4,096 bytes" for "The default page size is 4096 bytes.": key facts yes, contained no.
    phases = {"before": [item(False)] * 3 + [item(False)],
              "inContext": [item(True)] * 3 + [None],
              "after": [item(False, key_facts=True), item(False, key_facts=True), item(False), item(False)]}
    r = recall(QUESTIONS, phases)
    assert r["recoveryRatio"] == 0.6667
    assert r["recoveryRatioBy"]["contained"] == 0.0


def test_no_ratio_when_context_does_not_help_or_nothing_was_trained():
    same = [item(True), item(False), item(False), item(False)]
    r = recall(QUESTIONS, {"before": same, "inContext": same, "after": same})
    assert r["recoveryRatio"] is None
    r = recall(QUESTIONS, {"before": same, "inContext": same})
    assert r["after"] is None and r["recoveryRatio"] is None


def test_judge_verdicts_become_booleans_and_failed_verdicts_stay_null():
    phases = {"before": [item(False, judge="CORRECT"), item(False, judge="INCORRECT"),
                         item(False, judge="NOT_ATTEMPTED"), item(False, judge=None)]}
    rows = result_rows(QUESTIONS, phases)
    assert [r["judge"] for r in rows] == [True, False, False, None]
    assert recall(QUESTIONS, phases)["before"]["judge"] == 0.3333  # over the judged answers
