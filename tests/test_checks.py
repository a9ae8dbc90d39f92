"""The shared argument checks: what they accept, what they return, and one wording of errors."""

import numpy as np
import pytest

from dl_course.checks import (
    check_bool,
    check_choice,
    check_fraction,
    check_number,
    check_positive,
    check_widths,
)

pytestmark = pytest.mark.backend_neutral  # touches no Keras backend: `make test` covers it


def test_positive_integers_of_any_type_but_bool():
    assert check_positive(np.int64(3), "n") == 3 and type(check_positive(np.int64(3), "n")) is int
    assert check_positive(2, "T", minimum=2) == 2
    for bad in (0, -1, 2.0, True, "3", None):
        with pytest.raises(ValueError, match=rf"^n must be a positive integer, got {bad!r}\.$"):
            check_positive(bad, "n")
    with pytest.raises(ValueError, match=r"^T must be an integer ≥ 2, got 1\.$"):
        check_positive(1, "T", minimum=2)


def test_numbers_and_fractions():
    assert check_number(0, "l2") == 0.0 and check_number(np.float32(0.5), "l2") == 0.5
    assert check_fraction(0.0, "dropout") == 0.0
    for bad in (-0.1, float("nan"), False, "0"):
        with pytest.raises(ValueError, match=r"^l2 must be a number ≥ 0, got "):
            check_number(bad, "l2")
    with pytest.raises(ValueError, match=r"^alpha must be a number > 0, got 0\.$"):
        check_number(0, "alpha", 0, inclusive=False)
    for bad in (1.0, -0.5, None):
        with pytest.raises(ValueError, match=r"^dropout must be a number in \[0, 1\), got "):
            check_fraction(bad, "dropout")
    with pytest.raises(ValueError, match=r"^target must be a number in \(0, 1\), got 0\.$"):
        check_fraction(0, "target", zero=False)


def test_widths():
    assert check_widths([np.int64(8), 4], "hidden") == (8, 4)
    assert check_widths((), "hidden", empty=True) == ()
    assert check_widths(16, "units", single=True) == (16,)
    for bad in ((), (8, 0), (8, 2.0), 8, "8", (True,)):
        with pytest.raises(ValueError, match=r"^filters must be a non-empty tuple of positive integers, got "):
            check_widths(bad, "filters")
    with pytest.raises(ValueError, match=r"^units must be a positive integer or a non-empty tuple"):
        check_widths((), "units", single=True)


def test_choices_and_bools():
    assert check_choice(None, "pooling", (None, "avg")) is None
    assert check_choice(2, "groups", {1: "one GPU", 2: "two GPUs"}) == 2
    with pytest.raises(ValueError, match=r"^groups must be one of 1 \(one GPU\), 2 \(two GPUs\), got True\.$"):
        check_choice(True, "groups", {1: "one GPU", 2: "two GPUs"})
    with pytest.raises(ValueError, match=r"^cell must be one of 'rnn', 'lstm', got \['lstm'\]\.$"):
        check_choice(["lstm"], "cell", ("rnn", "lstm"))
    assert check_bool(np.bool_(True), "include_top") is True
    with pytest.raises(ValueError, match=r"^include_top must be True or False, got 1\.$"):
        check_bool(1, "include_top")
