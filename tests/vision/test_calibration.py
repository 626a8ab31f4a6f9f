"""The whole-reading calibrator: what it never lets through, how its threshold is chosen, and
the split of the held-out crops that keeps its fitting photos apart from the evaluation ones."""

from __future__ import annotations

import json
from decimal import Decimal

import numpy as np
import pytest

from tests.vision.conftest import needs_datasets
from vision import calibration, datasets, meter, synth


def evidence(
    dial_values: list[float], *, rolling: bool = False, dials_found: bool = True, top: float = 0.999
) -> meter.Evidence:
    """A photo whose five wheels both readers see clearly as 0 1 2 3 4 (the last one with the
    classifier's probability `top`)."""
    probs = np.full((5, 11), 1e-4, np.float32)
    for i in range(5):
        probs[i, i] = 0.999
    probs[4, 4] = top
    probs[4, 5] = probs[4, 3] = (1 - top) / 2
    window = meter._Window(
        np.zeros((4, 2), np.float32), np.zeros((64, 200, 3), np.uint8), probs, 0.95
    )
    wheels = [meter._wheel(probs[i], str(i), 0.95) for i in range(5)]
    wheels[-1].rolling = rolling
    values = dial_values if dials_found else []
    notes = [] if dials_found else [meter.messages.DIALS_MISSING]
    return meter.Evidence(
        window,
        300.0,
        "01234",
        0.95,
        wheels,
        5,
        values,
        meter._dial_digits(values),
        notes,
        [0.05] * len(values),
    )


# A model that would accept anything: what is refused below is refused by the rules alone.
ACCEPTS_ALL = calibration.Calibrator(
    np.zeros(len(calibration.FEATURES)),
    np.ones(len(calibration.FEATURES)),
    np.zeros(len(calibration.FEATURES)),
    10.0,
    accept=0.5,
    confirm=0.3,
    about={},
)


# … and one that accepts nothing.
ACCEPTS_NONE = calibration.Calibrator(
    ACCEPTS_ALL.mean, ACCEPTS_ALL.scale, ACCEPTS_ALL.coef, -10.0, accept=0.999, confirm=0.3, about={}
)


def test_dials_that_agree_are_accepted_by_a_willing_model():
    ev = evidence([3.95, 9.5, 5.3])
    status, reason, probability, level = meter.decide(ev, 3, ACCEPTS_ALL, ACCEPTS_NONE)
    assert status == "accepted" and probability > 0.99 and level == "full"
    assert ev.reading == Decimal("1234.395")


def test_only_the_whole_cubic_metres_are_accepted_when_only_they_are_sure():
    ev = evidence([3.95, 9.5, 5.3])
    decision = meter.decide(ev, 3, ACCEPTS_NONE, ACCEPTS_ALL)
    assert decision.status == "accepted" and decision.level == "integer"
    assert "已按 1234 立方米入账" in decision.reason and "下次抄表时一并计入" in decision.reason
    assert calibration.truncated(ev.reading, decision.level) == Decimal("1234")


def test_dials_are_reconciled_from_the_last_one_back():
    # ×0.01 read at 9.98, but the ×0.001 dial at 1.7 puts it at 0.17: the ×0.1 needle at 0.02
    # has just passed 0, it is not a 9 about to reach 0.
    ev = evidence([0.02, 9.98, 1.7])
    assert ev.reading == Decimal("1234.001")
    assert [d for d, _, _ in calibration.reconcile_dials([0.7582, 9.8231, 0.1325])] == [1, 0, 0]
    assert [d for d, _, _ in calibration.reconcile_dials([8.8646, 0.0654, 9.1034])] == [8, 9, 9]


def test_a_reading_whose_dials_disagree_is_never_accepted():
    # ×0.1 at 3.5 while the ×0.01 dial shows 9.5: the first needle should be near 3.95.
    ev = evidence([3.5, 9.5, 5.3])
    assert calibration.refusal(ev, 3) == "dials_disagree"
    status, reason, _, _ = meter.decide(ev, 3, ACCEPTS_ALL, ACCEPTS_ALL)
    assert status == "confirm"
    assert "第 6 位" in reason and "请核对读数" in reason


def test_a_turning_wheel_is_never_accepted():
    ev = evidence([3.95, 9.5, 5.3], rolling=True)
    status, reason, _, _ = meter.decide(ev, 3, ACCEPTS_ALL, ACCEPTS_ALL)
    assert status == "confirm" and "字轮正在翻转" in reason


def test_a_wheel_the_classifier_gives_less_than_half_is_never_accepted():
    ev = evidence([3.95, 9.5, 5.3], top=0.45)
    assert calibration.refusal(ev, 3) == "wheel_unsure"
    decision = meter.decide(ev, 3, ACCEPTS_ALL, ACCEPTS_ALL)
    assert decision.status == "confirm" and "第 5 位" in decision.reason


def test_missing_dials_go_to_staff():
    status, reason, _, _ = meter.decide(evidence([], dials_found=False), 3, ACCEPTS_ALL, ACCEPTS_ALL)
    assert status == "review" and "指针表盘" in reason


def test_a_needle_near_a_mark_lowers_the_shipped_probability():
    cal = calibration.shipped()
    clear = cal.probability(calibration.features(evidence([3.95, 9.5, 5.5])))
    on_mark = cal.probability(calibration.features(evidence([3.95, 9.5, 5.02])))
    assert on_mark < clear


def test_the_threshold_stops_at_the_first_drop_below_the_target():
    p = np.array([0.99, 0.98, 0.97, 0.96, 0.5])
    right = np.array([True, True, False, True, True])
    allowed = np.ones(5, bool)
    assert calibration.choose_threshold(p, right, allowed, 0.995) == 0.98
    # A refused photo is skipped, not counted.
    allowed[2] = False
    assert calibration.choose_threshold(p, right, allowed, 0.995) == 0.5


def test_logistic_fit_ranks_by_the_evidence():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2))
    y = (x[:, 0] + 0.3 * rng.normal(size=400) > 0).astype(float)
    mean, scale, coef, b = calibration.fit_logistic(x, y)
    assert coef[0] > 1.0 and abs(coef[1]) < 0.5 * coef[0]


def test_a_calibrator_of_other_features_is_refused(tmp_path):
    data = calibration.shipped("integer").to_json()
    data["features"] = data["features"][:-1]
    with pytest.raises(ValueError, match="vision calibrate"):
        calibration.Calibrator.from_json(json.loads(json.dumps(data)))


def test_the_last_dial_drawn_sets_the_last_digit():
    layout = synth.Layout(5, 0, 3)
    assert synth._snap_last_dial(Decimal("131.455"), layout, 5.97, 6.0) == Decimal("131.456")
    assert synth._snap_last_dial(Decimal("131.456"), layout, 6.05, 5.9) == Decimal("131.455")
    # Never across a whole unit: the wheels are already drawn.
    assert synth._snap_last_dial(Decimal("131.999"), layout, 9.98, 0.0) == Decimal("131.999")


@pytest.mark.parametrize("kind", ["digits", "needles"])
@needs_datasets[0]
@needs_datasets[1]
def test_calibration_and_evaluation_pools_split_the_held_out_crops(kind):
    held = getattr(datasets, kind)()[1]
    stratum = datasets.needle_stratum if kind == "needles" else (lambda s: s.label)
    cal = {s.path for s in datasets.pool(held, "calibration", stratum)}
    ev = {s.path for s in datasets.pool(held, "evaluation", stratum)}
    assert not cal & ev
    assert cal | ev == {s.path for s in held}
    assert abs(len(cal) - len(ev)) <= 11  # half of each stratum


@needs_datasets[0]
@needs_datasets[1]
def test_evaluation_photos_use_only_evaluation_crops():
    crops = synth._Crops(None, "evaluation")
    calibration_needles = {
        s.path for s in datasets.pool(datasets.needles()[1], "calibration", datasets.needle_stratum)
    }
    assert crops.needles and not {p for _, p in crops.needles} & calibration_needles


def test_synth_refuses_an_unknown_pool_and_writes_nothing(tmp_path):
    from tests.vision.test_cli_vision import shuiwu

    out = tmp_path / "photos"
    result = shuiwu("vision", "synth", str(out), "-n", "1", "--pool", "训练")
    assert result.returncode == 1
    assert "--pool 只能是 calibration、evaluation 或 all" in result.stderr
    assert not out.exists()


@needs_datasets[0]
def test_the_photo_evaluation_refuses_an_unknown_pool_as_synth_does():
    from tests.vision.test_cli_vision import shuiwu

    result = shuiwu("vision", "eval", "--photos", "1", "--pool", "训练")
    assert result.returncode == 1
    assert "--pool 只能是 calibration、evaluation 或 all" in result.stderr


def test_the_evaluation_puts_readings_through_the_services_history_checks():
    import random

    from vision.evaluate_photos import with_history

    rng = random.Random(3)
    truth = Decimal("77664.1128")
    # A wheel misread 7 → 0: lower than any last reading an ordinary month allows.
    assert with_history("accepted", "", Decimal("70664.1128"), Decimal("70664"), truth, 5, rng) == "review"
    # Read right: an ordinary month's use goes in.
    assert with_history("accepted", "", truth, Decimal("77664"), truth, 5, rng) == "accepted"
    # Ten times the usual month: the resident is asked.
    assert with_history("accepted", "", truth + 300, None, truth, 5, rng) == "confirm"
