"""Synthetic sequence tasks generated with a seed: the adding problem, an anomaly series, dates.

``adding_problem`` tests long-range memory (chapter 06); ``date_pairs`` gives human-written
dates and their ISO form for sequence-to-sequence translation, with ``encode_dates`` / ``decode_dates`` turning them
into the integer arrays an encoder–decoder model trains on.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from dl_course.checks import check_positive
from dl_course.datasets.text import CharVocab

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

#: Human date formats; fields: {d} day, {dd} 2-digit day, {m}/{mm} month number,
#: {month} / {mon} month name / abbreviation, {wday} weekday abbreviation, {y} year.
DATE_FORMATS = (
    "{d} {month} {y}",  # 3 March 2021
    "{month} {d}, {y}",  # March 3, 2021
    "{d} {mon} {y}",  # 3 Mar 2021
    "{wday}, {d} {mon} {y}",  # Wed, 3 Mar 2021
    "{dd}.{mm}.{y}",  # 03.03.2021
    "{y}/{m}/{d}",  # 2021/3/3
    "{y}年{m}月{d}日",  # 2021年3月3日
)
TARGET_LENGTH = 10  # "YYYY-MM-DD"
START = "^"  # the decoder's start token
#: Source characters (every character of the formats); id 0 pads, id 1 is unknown.
SOURCE_VOCAB = CharVocab(
    sorted(set("0123456789 ,./年月日" + "".join(MONTHS + WEEKDAYS))), unknown="unk"
)
#: Target characters: the start token and the ISO alphabet (ids 0 and 1 stay unused).
TARGET_VOCAB = CharVocab(START + "-0123456789")


def adding_problem(n: int, T: int = 100, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem (Hochreiter & Schmidhuber 1997, experiment 4) in its common form
    (as in Le, Jaitly & Hinton 2015; the original draws values from [-1, 1]).

    Each of the ``n`` sequences has ``T`` steps of two features: a value drawn uniformly
    from [0, 1] and a marker that is 1 at exactly two steps (one in each half) and 0
    elsewhere. The target is the sum of the two marked values, so predicting the mean
    1.0 always scores MSE = Var(U₁ + U₂) = 1/6 ≈ 0.167. Returns ``x`` (n, T, 2) and
    ``y`` (n, 1), float32.
    """
    n, T = check_positive(n, "n"), check_positive(T, "T", minimum=2)
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.0, 1.0, size=(n, T))
    half = T // 2
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, T, size=n)
    markers = np.zeros((n, T))
    rows = np.arange(n)
    markers[rows, first] = markers[rows, second] = 1.0
    y = values[rows, first] + values[rows, second]
    x = np.stack([values, markers], axis=-1)
    return x.astype("float32"), y[:, None].astype("float32")


def anomaly_series(n: int = 3000, anomalies: int = 0, length: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A periodic signal with injected anomalies, for detection by next-step prediction.

    The signal is ``sin(2πt/40) + 0.5·sin(2πt/13)`` plus Gaussian noise (std 0.1). Each of the
    ``anomalies`` events adds an offset of ±(0.6–1.0) to ``length`` consecutive steps, at places
    drawn so that no two events touch. Returns the series (n,) float32 and labels (n,) int8,
    1 on the anomalous steps.
    """
    n, length = check_positive(n, "n"), check_positive(length, "length")
    if anomalies < 0 or anomalies * (2 * length) > n - 1:
        raise ValueError(f"anomalies must be between 0 and (n − 1) / (2·length) = {(n - 1) // (2 * length)}, "
                         f"got {anomalies}.")
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    series = np.sin(2 * np.pi * t / 40) + 0.5 * np.sin(2 * np.pi * t / 13) + rng.normal(0.0, 0.1, n)
    labels = np.zeros(n, dtype=np.int8)
    slots = rng.choice((n - 1) // (2 * length), size=anomalies, replace=False)  # one event per slot
    for start in slots * 2 * length + 1:
        series[start : start + length] += rng.choice([-1.0, 1.0]) * rng.uniform(0.6, 1.0)
        labels[start : start + length] = 1
    return series.astype("float32"), labels


def format_date(day: dt.date, fmt: str) -> str:
    """Write ``day`` in the human format ``fmt`` (see ``DATE_FORMATS`` for the fields)."""
    fields = dict(
        d=day.day, dd=f"{day.day:02d}", m=day.month, mm=f"{day.month:02d}", y=day.year,
        month=MONTHS[day.month - 1], mon=MONTHS[day.month - 1][:3], wday=WEEKDAYS[day.weekday()],
    )  # fmt: skip
    try:
        return fmt.format(**fields)
    except (KeyError, IndexError, ValueError) as err:
        raise ValueError(
            f"Bad date format {fmt!r} ({err!r}); use the fields {{{'}, {'.join(fields)}}}."
        ) from None


def date_pairs(
    n: int,
    seed: int = 0,
    formats=DATE_FORMATS,
    start: dt.date = dt.date(1950, 1, 1),
    end: dt.date = dt.date(2049, 12, 31),
) -> tuple[list[str], list[str]]:
    """``n`` random dates between ``start`` and ``end`` written in a random human format.

    Returns ``(sources, targets)``: e.g. ``"3 March 2021"`` or ``"2021年3月3日"`` and
    ``"2021-03-03"``.
    """
    n = check_positive(n, "n")
    formats = tuple(formats)
    if not formats:
        raise ValueError("formats must name at least one date format.")
    for fmt in formats:
        format_date(start, fmt)  # fail early on a bad format
    if end < start:
        raise ValueError(f"end ({end}) must not be before start ({start}).")
    rng = np.random.default_rng(seed)
    offsets = rng.integers(0, (end - start).days + 1, size=n)
    choice = rng.integers(0, len(formats), size=n)
    days = [start + dt.timedelta(days=int(k)) for k in offsets]
    sources = [format_date(day, formats[c]) for day, c in zip(days, choice, strict=True)]
    return sources, [day.isoformat() for day in days]


def encode_dates(sources, targets=None, source_length: int = 20) -> dict[str, np.ndarray]:
    """Integer arrays for an encoder–decoder: ``encoder`` (n, source_length) and, with targets,
    ``decoder_in`` / ``decoder_out`` (n, 10).

    Sources are padded with id 0 on the right (characters outside ``SOURCE_VOCAB`` become
    ``<unk>``); a longer source raises. ``decoder_out`` is the target and ``decoder_in`` the
    same shifted right behind the start token: teacher forcing.
    """
    source_length = check_positive(source_length, "source_length")
    encoder = np.zeros((len(sources), source_length), dtype="int32")
    for row, text in enumerate(sources):
        if len(text) > source_length:
            raise ValueError(f"source {text!r} is longer than source_length={source_length}.")
        encoder[row, : len(text)] = SOURCE_VOCAB.encode(text)
    arrays = {"encoder": encoder}
    if targets is not None:
        if len(targets) != len(sources):
            raise ValueError(
                f"sources and targets differ in number: {len(sources)} vs {len(targets)}."
            )
        bad = [t for t in targets if len(t) != TARGET_LENGTH]
        if bad:
            raise ValueError(f"targets must be ISO dates YYYY-MM-DD, got {bad[0]!r}.")
        out = np.stack([TARGET_VOCAB.encode(t) for t in targets]).reshape(
            len(targets), TARGET_LENGTH
        )
        start = np.full_like(out[:, :1], TARGET_VOCAB.index[START])
        arrays.update(decoder_in=np.concatenate([start, out[:, :-1]], axis=1), decoder_out=out)
    return arrays


def decode_dates(ids) -> list[str]:
    """Target id arrays (n, steps) back to strings."""
    ids = np.asarray(ids)
    if ids.ndim != 2:
        raise ValueError(f"ids must be a (n, steps) array of target ids, got shape {ids.shape}.")
    return [TARGET_VOCAB.decode(row) for row in ids]
