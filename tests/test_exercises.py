"""The exercise checks: solutions pass, typical wrong answers get their hint, student code can't hang them."""

import json
import os
import re
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from dl_course.chapters import CHAPTERS
from dl_course.exercises import check, exercises
from dl_course.lessons.ch05_rnn import truncated_grads

pytestmark = pytest.mark.backend_neutral  # touches no Keras backend: `make test` covers it

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = [ROOT / "solutions" / c.notebook for c in CHAPTERS]
CHECK_CALL = re.compile(r'check\("(\d\d\.\d)"')


def _code(path: Path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


def _exercise_text(path: Path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    text = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return text[text.index("## 练习 Exercises"):]


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_solution_notebook_runs_and_passes_its_checks(path, capsys):
    exec(compile(_code(path), str(path), "exec"), {"__name__": "__solution__"})
    out = capsys.readouterr().out
    checked = set(CHECK_CALL.findall(_code(path)))
    assert out.count("✅ 通过 passed") == len(checked) > 0 or not checked
    assert "❌" not in out


def test_every_check_has_a_solution_and_a_marked_exercise():
    solved = set().union(*(CHECK_CALL.findall(_code(p)) for p in SOLUTIONS))
    assert solved == set(exercises())
    marked = set()
    for notebook in (ROOT / "notebooks" / c.notebook for c in CHAPTERS):
        text = _exercise_text(notebook)
        chapter = notebook.name[:2]
        found = set(CHECK_CALL.findall(text))
        assert all(key.startswith(chapter) for key in found), notebook.name
        assert len(re.findall(r"^\d\. \*\*\[check\]\*\*", text, re.M)) == len(found), notebook.name
        marked |= found
    assert marked == set(exercises())


def _input_error(delta, kernel, n, flip=True):
    m, k = delta.shape[0], kernel.shape[0]
    dilated = np.zeros((2 * m - 1, 2 * m - 1))
    dilated[::2, ::2] = delta
    padded = np.pad(dilated, k - 1)
    w = kernel[::-1, ::-1] if flip else kernel
    size = padded.shape[0] - k + 1
    return np.array([[np.sum(padded[i:i + k, j:j + k] * w) for j in range(size)] for i in range(size)])


def _plain(n, m):
    return 4 * (n * m + n * n + n)


def _kl(rho, rho_hat):
    return float(np.sum(rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))))


def _kfold_overlapping(n, k):
    folds = np.array_split(np.arange(n), k)
    return [(np.arange(n), f) for f in folds]


def _kfold_drops_remainder(n, k):
    size = n // k
    folds = [np.arange(i * size, (i + 1) * size) for i in range(k)]
    return [(np.setdiff1d(np.arange(n), f), f) for f in folds]


def _bn(x, gamma, beta, eps, axis=0, ddof=0):
    return gamma * (x - x.mean(axis, keepdims=True)) / np.sqrt(x.var(axis, ddof=ddof, keepdims=True) + eps) + beta


def _block(d, f):
    return 4 * (d * d + d) + 2 * d * f + f + d + 4 * d


def _attention(q, k, v, mask, scale=None, axis=-1):
    scores = q @ np.swapaxes(k, -1, -2) * (q.shape[-1] ** -0.5 if scale is None else scale)
    if mask is not None:
        scores = np.where(mask, scores, -1e9)
    e = np.exp(scores - scores.max(axis, keepdims=True))
    return (e / e.sum(axis, keepdims=True)) @ v


WRONG = [
    ("01.1", (6, 5), "does step(w·x + b) depend on η"),
    ("01.4", (0.5, 0.5, 0.25), "±1 targets"),
    ("01.4", (2 / 3, 2 / 3, 0.0), "column of ones"),
    ("02.2", 98, "numbers epochs from 0"),
    ("02.2", 40, "finite sum"),
    ("02.5", _kfold_overlapping, "all indices outside the fold"),
    ("02.5", _kfold_drops_remainder, "remainder must go into some fold"),
    ("02.6", 8, "8 cut points"),
    ("02.6", 256, "one point only"),
    ("03.1", np.ones((3, 3)) / 9, "box filter is not Gaussian"),
    ("03.1", np.array([[1.0, 2, 1], [2, 4, 2], [1, 2, 1]]), "weights sum to 1"),
    ("03.2", lambda d, k, n: np.pad(_input_error(d, k, n, flip=False), ((0, n - 2 * len(d) - len(k) + 2),) * 2),
     "rotated by 180°"),
    ("03.2", lambda d, k, n: _input_error(d, k, n), "last input row is never seen"),
    ("03.3", (2416, 241600), "total of a fully connected C3"),
    ("03.3", (900, 9000), "10×10 output positions"),
    ("03.5", 28, "Work back from C5"),
    ("04.1", (69632, 4 * 9 * 64 * 64), "256 channels"),
    ("04.4", 16 * 32, "1×1 projection"),
    ("04.6", lambda x, g, b, eps: _bn(x, g, b, eps, axis=1), "not each sample"),
    ("04.6", lambda x, g, b, eps: _bn(x, g, b, eps, ddof=1), "biased variance"),
    ("04.6", lambda x, g, b, eps: _bn(x, 1.0, 0.0, eps), "shift by β"),
    ("05.2", lambda x, y, U, W, V, b, c, n: truncated_grads(x, y, U, W, V, b, c, n + 1), "Off by one"),
    ("05.6", lambda n, m: n * (m + n + 1), "Every hidden unit keeps its own derivative"),
    ("05.6", lambda n, m: n * n * (m + n), "The bias b is a parameter too"),
    ("05.6", lambda n, m: n**3 * (m + n + 1), "one row per hidden unit"),
    ("06.2", lambda n, m: _plain(n, m) + 4 * n, "Only the three gates"),
    ("06.2", _plain, "which gates look at C"),
    ("06.3", _plain, "loses its own weights"),
    ("07.2", (-0.99, -0.01), "swapped"),
    ("07.2", (0.01, 0.99), "signs are flipped"),
    ("07.6", lambda p_data, p_g: p_g / (p_data + p_g), "probability that x is real"),
    ("07.6", lambda p_data, p_g: p_data / p_g, "the denominator is a sum"),
    ("08.2", lambda rho, rh: _kl(rho, rh) / len(rh), "Sum over the hidden units"),
    ("08.2", lambda rho, rh: _kl(rh, rho), "KL is not symmetric"),
    ("08.6", lambda x, c, s: np.exp(-np.sqrt(((x[:, None] - c[None]) ** 2).sum(-1)) / (2 * s**2)), "squared distance"),
    ("08.6", lambda x, c, s: np.exp(-((x[:, None] - c[None]) ** 2).sum(-1) / s**2), "not σ²"),
    ("08.6", lambda x, c, s: np.exp(-((x[:, None] - c[None]) ** 2).sum(-1) / (2 * s**2)).T, "One row per input"),
    ("09.1", lambda n: np.triu(np.ones((n, n), bool)), "Rows are queries"),
    ("09.1", lambda n: np.tril(np.ones((n, n), bool), -1), "see itself"),
    ("09.1", lambda n: ~np.tril(np.ones((n, n), bool)), "True means 'may attend'"),
    ("09.2", lambda d, h, f: 4 * d * d + 2 * d * f + 4 * d, "have biases"),
    ("09.2", lambda d, h, f: _block(d, f) - 4 * d, "Layer normalisation has weights"),
    ("09.2", lambda d, h, f: _block(d, f) - d * d - d, "projected once more"),
    ("09.2", lambda d, h, f: _block(d, f) + (h - 1) * 4 * (d * d + d), "number of heads"),
    ("09.3", lambda q, k, v, mask=None: _attention(q, k, v, mask, scale=1.0), "need scaling"),
    ("09.3", lambda q, k, v, mask=None: _attention(q, k, v, mask, scale=1 / q.shape[-1]), "square root"),
    ("09.3", lambda q, k, v, mask=None: _attention(q, k, v, None), "get no weight"),
    ("09.3", lambda q, k, v, mask=None: _attention(q, k, v, mask, axis=-2), "a row) sum to 1"),
]


@pytest.mark.parametrize("key, answer, hint", WRONG, ids=[f"{k}-{h[:12]}" for k, _, h in WRONG])
def test_typical_wrong_answer_gets_its_hint(key, answer, hint):
    result = check(key, answer, quiet=True)
    assert not result and result.status == "wrong"
    assert hint in result.message and "提示 hint" in result.message


def test_every_check_has_a_wrong_answer_test():
    assert {key for key, _, _ in WRONG} == set(exercises())


def test_student_exception_is_reported_not_raised():
    def broken(delta, kernel, n):
        return delta @ np.ones((n + 1, 2))

    result = check("03.2", broken, quiet=True)
    assert result.status == "error" and "your code raised" in result.message and "ValueError" in result.message


def test_endless_loop_is_stopped_at_the_time_limit():
    def endless(n, m):
        while True:
            n += 1

    start = time.perf_counter()
    result = check("06.2", endless, timeout=0.5, quiet=True)
    assert result.status == "timeout" and "timed out" in result.message
    assert "still running" not in result.message  # the loop was interrupted, not left behind
    assert time.perf_counter() - start < 3


def test_wrong_kind_of_answer_says_what_to_pass():
    assert "should be a function" in check("03.2", 3, quiet=True).message
    assert "should be a tuple" in check("07.2", -0.01, quiet=True).message
    assert "should be a number" in check("03.5", "32", quiet=True).message


def test_unknown_exercise_is_a_clear_error():
    with pytest.raises(ValueError, match="exercise must be one of"):
        check("03.4", 1)


def test_check_prints_its_feedback(capsys):
    assert check("03.5", 32)
    assert capsys.readouterr().out.strip() == "[03.5] ✅ 通过 passed。"


@pytest.mark.parametrize("answer", ["kernel", None, {"a": 1}], ids=["str", "None", "dict"])
def test_answer_of_the_wrong_type_says_an_array_is_wanted(answer):
    result = check("03.1", answer, quiet=True)
    assert result.status == "wrong"
    assert f"kernel 应是数组 should be an array of shape (3, 3) or (3, 3, 1, 1), 得到 got {type(answer).__name__}" in result.message


def test_huge_answer_or_error_is_named_not_printed():
    number = check("03.5", list(range(1_000_000)), quiet=True)
    pair = check("01.1", tuple(range(1_000_000)), quiet=True)
    raised = check("06.2", lambda n, m: float("9" * 5000 + "x"), quiet=True)
    for result, what in ((number, "(list, 1,000,000 items"), (pair, "(tuple, 1,000,000 items"), (raised, "characters)")):
        assert not result and what in result.message and len(result.message) < 1000, result.message[:200]


def test_code_that_changes_the_working_folder_is_checked_and_the_folder_set_back(tmp_path):
    here = os.getcwd()

    def wanders(n, m):
        os.chdir(tmp_path)
        return 4 * (n * m + n * n + n) + 3 * n

    result = check("06.2", wanders, quiet=True)
    assert os.getcwd() == here
    assert result.status == "passed" and f"已恢复为 {here} (your code changed the working folder; it was set back to" in result.message


def test_sys_exit_in_student_code_is_reported_as_its_error():
    result = check("06.2", lambda n, m: sys.exit(1), quiet=True)
    assert result.status == "error" and "your code raised:\nSystemExit: 1" in result.message
