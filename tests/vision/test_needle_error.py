"""The dial arithmetic: 9.9 and 0.0 are neighbours on a dial."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vision.needles import dial_error, value_from_sincos


@pytest.mark.parametrize(
    ("predicted", "truth", "error"),
    [(9.9, 0.0, 0.1), (0.0, 9.9, 0.1), (0.2, 9.8, 0.4), (5.0, 0.0, 5.0), (2.0, 3.5, 1.5), (7.3, 7.3, 0.0)],
)
def test_error_goes_the_short_way_round(predicted, truth, error):
    assert dial_error(predicted, truth) == pytest.approx(error)


def test_error_is_elementwise_and_never_above_five():
    rng = np.random.default_rng(0)
    a, b = rng.uniform(0, 10, 1000), rng.uniform(0, 10, 1000)
    err = dial_error(a, b)
    assert err.shape == (1000,) and err.max() <= 5.0 and err.min() >= 0.0


@pytest.mark.parametrize("value", [0.0, 0.05, 2.5, 5.0, 7.5, 9.9, 9.99])
def test_angle_round_trip(value):
    angle = value * 2 * math.pi / 10
    out = value_from_sincos(np.array([[math.sin(angle), math.cos(angle)]]))
    assert dial_error(out, value)[0] == pytest.approx(0.0, abs=1e-9)
    assert 0.0 <= out[0] < 10.0


def test_needle_pointing_right_reads_two_and_a_half():
    # Dials turn clockwise from 12 o'clock: 3 o'clock is 2.5.
    assert value_from_sincos(np.array([[1.0, 0.0]]))[0] == pytest.approx(2.5)
