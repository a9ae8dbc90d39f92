"""The table of checks and the comparisons they share (numbers, arrays, integer counts)."""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from dl_course.checks import shown
from dl_course.exercises.runner import Wrong, call


@dataclass(frozen=True)
class Check:
    checker: object
    answer: str  # what to pass, in one line


CHECKS: dict[str, Check] = {}


def exercise(key: str, answer: str):
    """Register the decorated ``checker(answer)`` as the check of exercise ``key`` ("03.2")."""

    def register(checker):
        CHECKS[key] = Check(checker, answer)
        return checker

    return register


def exercises() -> dict[str, str]:
    """Checkable exercises and what each expects as its answer (every chapter's module imported)."""
    from dl_course.chapters import CHAPTERS

    for chapter in CHAPTERS:
        chapter.lesson()  # registers the chapter's checks
    return {key: CHECKS[key].answer for key in sorted(CHECKS)}


def number(value, name: str) -> float:
    """``value`` as a float, or :class:`Wrong` saying a number was expected."""
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise Wrong(f"{name} 应是一个数 should be a number, 得到 got {shown(value)}.",
                    "把计算结果（而不是函数或字符串）交给 check。Pass the computed value itself.")
    return float(value)


def numbers_tuple(answer, names: tuple[str, ...]) -> list[float]:
    """``answer`` as a list of floats, one per name, or :class:`Wrong` naming the expected form."""
    form = "(" + ", ".join(names) + ")"
    if isinstance(answer, (str, bytes)) or not hasattr(answer, "__len__") or len(answer) != len(names):
        raise Wrong(f"答案应是元组 the answer should be a tuple {form}, 得到 got {shown(answer)}.")
    return [number(v, n) for v, n in zip(answer, names)]


def numeric_array(answer, name: str, form: str) -> np.ndarray:
    """``answer`` as a float array, or :class:`Wrong` saying an array of numbers (``form``) was expected."""
    try:
        array = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        array = None
    if array is None or answer is None or isinstance(answer, (str, bytes)):
        raise Wrong(f"{name} 应是数组 should be {form}, 得到 got {type(answer).__name__} {shown(answer)}.",
                    "用 np.array([[...], [...], [...]]) 写出数值。Write the numbers as an array.")
    return array


def function(answer, signature: str):
    """``answer`` when it is callable, else :class:`Wrong` asking for the function itself."""
    if not callable(answer):
        raise Wrong(f"答案应是函数 the answer should be a function {signature}, 得到 got {type(answer).__name__}.",
                    "传函数本身（不加括号）。Pass the function itself, without calling it.")
    return answer


def array_result(fn, args: tuple, shape: tuple, case: str, shape_hint: str = "") -> np.ndarray:
    """Call the student's ``fn(*args)``; check it gives a finite array of ``shape``."""
    got = call(fn, *args)
    try:
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise Wrong(f"{case}: 返回值不是数组 the result is not an array ({error}).") from None
    if got.shape != shape:
        raise Wrong(f"{case}: 形状不对 wrong shape: 应为 expected {shape}, 得到 got {got.shape}.",
                    shape_hint or "逐步打印中间数组的形状，看是哪一步多了或少了一行。"
                    "Print the shape after each step to see where a row is gained or lost.")
    if not np.all(np.isfinite(got)):
        raise Wrong(f"{case}: 结果含 NaN 或无穷大 the result holds NaN or infinity.")
    return got


def first_difference(got: np.ndarray, want: np.ndarray, atol: float) -> str | None:
    """Where ``got`` first differs from ``want`` by more than ``atol``, as text; None if nowhere."""
    bad = np.argwhere(~np.isclose(got, want, atol=atol, rtol=1e-6))
    if len(bad) == 0:
        return None
    at = tuple(int(i) for i in bad[0])
    return (f"{len(bad)} 个元素不同 elements differ, 第一个在 first at {at}: "
            f"得到 got {got[at]:.6g}, 应为 expected {want[at]:.6g}")
