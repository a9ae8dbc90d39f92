"""Result checks: every training result is held to a bound per profile.

A check prints one short Chinese line. A missed bound fails the cell under the test runner
(``DL_COURSE_STRICT=1``); in a student's run it prints what was expected, what came out, the
likely reasons and what to try, and the notebook goes on.
"""

from __future__ import annotations

from dl_course.runtime import profiles

PROFILE_ZH = {"fast": "快速模式", "full": "完整模式"}


class ExpectationError(AssertionError):
    """A training result missed the bound of the active profile (under the test runner)."""


class Checked(float):
    """A result that ``expect`` has checked: a float, shown only through ``expect``'s own line (a
    cell ending in ``runtime.expect(...)`` displays no stray number)."""

    def _ipython_display_(self) -> None:
        pass


def expect(value, *, fast: float, full: float, name: str = "结果", higher_is_better: bool = True) -> Checked:
    """Hold ``value`` to the active profile's bound (a lower limit; an upper one with
    ``higher_is_better=False``, for losses and errors), print the verdict in one line and return
    the value (a ``Checked`` float)."""
    import numpy as np

    if np.ndim(value) != 0 or not isinstance(np.asarray(value).item(), (int, float)) or isinstance(value, bool):
        raise ValueError(f"value must be a single number (e.g. float(accuracy)), got {value!r}.")
    active, value = profiles.profile(), float(value)
    bound = fast if active == "fast" else full
    ok = value >= bound if higher_is_better else value <= bound
    wanted = f"{PROFILE_ZH[active]}要求 {'≥' if higher_is_better else '≤'} {bound:g}"
    if profiles.smoke():
        print(f"· {name} {value:.4g}（{wanted}；冒烟模式只跑几步，{'达到' if ok else '未达到'}也不检查）")
    elif ok:
        print(f"✓ {name} {value:.4g}（{wanted}）")
    elif profiles.strict():
        raise ExpectationError(f"{name} {value:.4g} 未达到{wanted} (missed the {active} profile's bound)")
    else:
        print(missed_advice(name, value, wanted, active))
    return Checked(value)


def missed_advice(name: str, value: float, wanted: str, active: str) -> str:
    """What a student reads when a result misses its bound: expected, got, why, what to try."""
    longer = "在 GPU 上用完整模式 (full) 训练更久" if active == "fast" else "检查 GPU 与混合精度是否正常（`runtime.describe()` 的输出）"
    return (
        f"✗ {name} {value:.4g}，没有达到{wanted}。\n"
        "  可能的原因：随机种子、后端 (backend) 或硬件不同，训练结果本来就有波动；上面的设置或数据被改动过；"
        "前面某个单元没有按顺序运行。\n"
        f"  可以尝试：从头按顺序重新运行（Restart & Run All）；核对设置与数据；{longer}。后面的单元照常运行。"
    )
