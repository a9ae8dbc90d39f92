"""Run one exercise check safely: time-limited, student errors reported, never raised.

A check is a function ``checker(answer)`` that returns nothing when the answer is right and
raises :class:`Wrong` (what is wrong and a hint, Chinese with English beside it) when it is not.
Student code is called through :func:`call`, so its exceptions are told apart from the
checker's own. The check runs in a worker thread; when it outlives ``timeout`` seconds the
thread is interrupted (an exception is raised inside it at the next Python instruction), so
an endless ``while True`` in a student's function ends instead of hanging the notebook.
"""

from __future__ import annotations

import ctypes
import os
import threading
import traceback
from dataclasses import dataclass

from dl_course.checks import shown


class Wrong(Exception):
    """The answer is wrong: ``what`` (中文 / English) and a ``hint`` that never gives the solution."""

    def __init__(self, what: str, hint: str = ""):
        super().__init__(what)
        self.what, self.hint = what, hint


class StudentError(Exception):
    """The student's code raised; ``summary`` is the last lines of its traceback."""

    def __init__(self, summary: str):
        super().__init__(summary)
        self.summary = summary


#: The most characters of a student's error message that feedback shows.
MAX_SUMMARY = 600


class _Interrupted(BaseException):
    """Raised inside a worker thread that ran past its time limit."""


def call(function, *args, **kwargs):
    """Call the student's ``function``; its exceptions (``sys.exit()`` included) become :class:`StudentError`."""
    try:
        return function(*args, **kwargs)
    except _Interrupted:
        raise
    except BaseException as error:  # noqa: BLE001 - SystemExit and KeyboardInterrupt are the student's too
        lines = "".join(traceback.format_exception_only(type(error), error)).strip()
        raise StudentError(lines if len(lines) <= MAX_SUMMARY else f"{lines[:MAX_SUMMARY]}… ({len(lines):,} characters)") from error


@dataclass(frozen=True)
class Result:
    """Outcome of one check; true when it passed. ``message`` is what was printed."""

    exercise: str
    passed: bool
    status: str  # "passed", "wrong", "error" (student exception), "timeout", "invalid"
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"Result({self.exercise!r}, {self.status})"

    def _ipython_display_(self) -> None:
        """Show nothing as a cell's value: ``check`` has printed the message already."""


def _interrupt(thread: threading.Thread) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread.ident), ctypes.py_object(_Interrupted)
    )


def run(exercise: str, checker, answer, timeout: float) -> Result:
    """Run ``checker(answer)`` in a thread limited to ``timeout`` seconds; return a :class:`Result`.

    A working folder the student's code changed (``os.chdir``) is set back, and the feedback says so.
    """
    folder = os.getcwd()
    result = _run(exercise, checker, answer, timeout)
    if os.getcwd() == folder:
        return result
    os.chdir(folder)
    note = (f"\nℹ 你的代码改变了工作目录 (os.chdir)，已恢复为 {folder} "
            f"(your code changed the working folder; it was set back to {folder}).")
    return Result(result.exercise, result.passed, result.status, result.message + note)


def _run(exercise: str, checker, answer, timeout: float) -> Result:
    outcome: dict = {}

    def work():
        try:
            checker(answer)
            outcome["status"] = "passed"
        except _Interrupted:
            outcome["status"] = "timeout"
        except BaseException as error:  # noqa: BLE001 - every failure becomes feedback
            outcome["status"], outcome["error"] = "raised", error

    thread = threading.Thread(target=work, name=f"check-{exercise}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        _interrupt(thread)
        thread.join(1.0)
        return _result(exercise, "timeout", _timeout_text(timeout, thread.is_alive()))
    error = outcome.get("error")
    if outcome["status"] == "passed":
        return _result(exercise, "passed", "✅ 通过 passed。")
    if isinstance(error, Wrong):
        text = f"❌ 不对 not yet: {error.what}"
        return _result(exercise, "wrong", text + (f"\n💡 提示 hint: {error.hint}" if error.hint else ""))
    if isinstance(error, StudentError):
        return _result(exercise, "error", f"❌ 你的代码抛出了异常 your code raised:\n{error.summary}")
    return _result(exercise, "error", f"❌ 检查时出错 the check failed on this answer: {shown(error, MAX_SUMMARY)}")


def _timeout_text(timeout: float, alive: bool) -> str:
    text = (f"⏱ 超时 timed out: 检查在 {timeout:g} 秒内没有结束，你的代码可能陷入了死循环 "
            f"(the check did not finish in {timeout:g} s: is there an endless loop?)")
    if alive:
        text += "\n它仍在后台运行，请重启内核 (still running in the background: restart the kernel)."
    return text


def _result(exercise: str, status: str, message: str) -> Result:
    return Result(exercise, status == "passed", status, f"[{exercise}] {message}")
