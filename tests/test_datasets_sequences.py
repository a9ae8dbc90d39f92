import datetime as dt

import numpy as np
import pytest

from dl_course.datasets import sequences

pytestmark = pytest.mark.backend_neutral  # touches no Keras backend: `make test` covers it


def test_adding_problem_shapes_markers_and_targets():
    x, y = sequences.adding_problem(64, T=30, seed=1)
    assert x.shape == (64, 30, 2) and y.shape == (64, 1)
    assert x.dtype == y.dtype == np.float32
    values, markers = x[..., 0], x[..., 1]
    assert values.min() >= 0.0 and values.max() <= 1.0
    assert np.all(markers.sum(axis=1) == 2)
    assert np.all(markers[:, :15].sum(axis=1) == 1)  # one marker in each half
    np.testing.assert_allclose(y[:, 0], (values * markers).sum(axis=1), rtol=1e-6)


def test_adding_problem_constant_baseline_is_one_sixth():
    _, y = sequences.adding_problem(200_000, T=10, seed=0)
    assert np.mean((y - 1.0) ** 2) == pytest.approx(1 / 6, abs=0.003)  # ≈ 0.167


def test_anomaly_series_marks_every_injected_event():
    clean, none = sequences.anomaly_series(800, anomalies=0, seed=5)
    series, labels = sequences.anomaly_series(800, anomalies=10, length=4, seed=5)
    assert series.shape == labels.shape == (800,) and series.dtype == np.float32
    assert none.sum() == 0 and labels.sum() == 40
    shift = series - clean  # the same seed draws the same signal and noise first
    assert np.all(np.abs(shift[labels == 1]) >= 0.6 - 1e-6) and np.all(shift[labels == 0] == 0)
    starts = np.flatnonzero(np.diff(np.r_[0, labels]) == 1)
    assert len(starts) == 10  # ten separate events, none touching


def test_anomaly_series_rejects_too_many_events():
    with pytest.raises(ValueError, match="anomalies must be between 0 and"):
        sequences.anomaly_series(100, anomalies=20, length=4)


def test_generators_are_deterministic_under_a_seed():
    for make in (sequences.adding_problem,):
        a, b, c = make(16, seed=3), make(16, seed=3), make(16, seed=4)
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
        assert not np.array_equal(a[0], c[0])
    assert sequences.date_pairs(20, seed=3) == sequences.date_pairs(20, seed=3)
    assert sequences.date_pairs(20, seed=3) != sequences.date_pairs(20, seed=4)


@pytest.mark.parametrize(
    "fmt, text",
    [
        ("{d} {month} {y}", "3 March 2021"),
        ("{y}年{m}月{d}日", "2021年3月3日"),
        ("{month} {d}, {y}", "March 3, 2021"),
        ("{wday}, {d} {mon} {y}", "Wed, 3 Mar 2021"),
        ("{dd}.{mm}.{y}", "03.03.2021"),
    ],
)
def test_format_date(fmt, text):
    assert sequences.format_date(dt.date(2021, 3, 3), fmt) == text


def test_date_pairs_targets_are_the_iso_form_of_the_sources():
    sources, targets = sequences.date_pairs(300, seed=0)
    assert len(sources) == len(targets) == 300
    assert all(dt.date.fromisoformat(t).isoformat() == t for t in targets)
    for src, tgt in zip(sources[:50], targets[:50], strict=True):
        day = dt.date.fromisoformat(tgt)
        assert src in {sequences.format_date(day, f) for f in sequences.DATE_FORMATS}
    # every format shows up
    assert any("年" in s for s in sources) and any("," in s for s in sources)


def test_encode_decode_dates_round_trip_and_teacher_forcing():
    sources, targets = sequences.date_pairs(50, seed=1)
    arrays = sequences.encode_dates(sources, targets)
    assert arrays["encoder"].shape == (50, 20)
    assert arrays["decoder_in"].shape == arrays["decoder_out"].shape == (50, 10)
    assert sequences.decode_dates(arrays["decoder_out"]) == targets
    start = sequences.TARGET_VOCAB.index[sequences.START]
    assert np.all(arrays["decoder_in"][:, 0] == start)
    np.testing.assert_array_equal(arrays["decoder_in"][:, 1:], arrays["decoder_out"][:, :-1])
    decoded = [sequences.SOURCE_VOCAB.decode(row) for row in arrays["encoder"]]
    assert decoded == sources
    only_source = sequences.encode_dates(["3 Mär 2021"])
    assert (
        list(only_source) == ["encoder"] and sequences.SOURCE_VOCAB.unk_id in only_source["encoder"]
    )


def test_clear_errors_on_bad_arguments():
    with pytest.raises(ValueError, match="T must be an integer ≥ 2"):
        sequences.adding_problem(10, T=1)
    with pytest.raises(ValueError, match="n must be a positive integer, got 0"):
        sequences.adding_problem(0)
    with pytest.raises(ValueError, match="n must be a positive integer, got 2.5"):
        sequences.date_pairs(2.5)
    with pytest.raises(ValueError, match=r"Bad date format '\{day\}"):
        sequences.date_pairs(4, formats=["{day}"])
    with pytest.raises(ValueError, match="at least one date format"):
        sequences.date_pairs(4, formats=[])
    with pytest.raises(ValueError, match="must not be before start"):
        sequences.date_pairs(4, start=dt.date(2000, 1, 2), end=dt.date(2000, 1, 1))
    with pytest.raises(ValueError, match="longer than source_length=5"):
        sequences.encode_dates(["3 March 2021"], source_length=5)
    with pytest.raises(ValueError, match="ISO dates YYYY-MM-DD"):
        sequences.encode_dates(["3 March 2021"], ["2021-3-3"])
    with pytest.raises(ValueError, match="differ in number"):
        sequences.encode_dates(["3 March 2021"], [])
