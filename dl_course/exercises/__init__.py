"""Checks for the chapter exercises: ``check("03.2", my_function)``.

Each check runs the answer (a number, a tuple or a function) against cases the student does
not see and prints, in Chinese with English beside it, either 通过 passed or what is wrong and a
hint — never the solution. Student exceptions and endless loops are reported, not raised.
``exercises()`` lists the checkable exercises with a one-line description of the answer.
The checks live in each chapter's module (``dl_course.lessons``), which registers them when
imported; ``check`` and ``exercises`` import the modules the manifest names.
"""

from __future__ import annotations

from dl_course.exercises.registry import CHECKS, exercises
from dl_course.exercises.runner import Result, run

__all__ = ["check", "exercises", "Result"]


def check(exercise: str, answer, timeout: float = 10.0, quiet: bool = False) -> Result:
    """Check ``answer`` to ``exercise`` (e.g. ``"03.2"``); print the feedback and return it."""
    exercises()  # imports every chapter's module, which registers its checks
    if exercise not in CHECKS:
        known = ", ".join(sorted(CHECKS))
        raise ValueError(
            f"exercise must be one of {known}, got {exercise!r} "
            f"(练习编号写作 '章.题', 例如 '03.2'; the others have reference answers, not checks)."
        )
    result = run(exercise, CHECKS[exercise].checker, answer, timeout)
    if not quiet:
        print(result.message)
    return result
