import json
import os
import subprocess
import sys

import numpy as np
import pytest

from dl_course import runtime


def test_profile_reads_environment(monkeypatch):
    monkeypatch.setenv("DL_COURSE_PROFILE", "full")
    assert runtime.profile() == "full"
    assert runtime.pick(fast=1, full=2) == 2
    monkeypatch.setenv("DL_COURSE_PROFILE", "FAST")
    assert runtime.profile() == "fast"


def test_auto_profile_is_fast_without_accelerator(monkeypatch):
    monkeypatch.setenv("DL_COURSE_PROFILE", "auto")
    assert runtime.profile() == ("full" if runtime.accelerators() else "fast")


def test_unknown_profile_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("DL_COURSE_PROFILE", "quick")
    with pytest.raises(ValueError, match=r"'quick' is not a profile.*fast, full, auto"):
        runtime.profile()


def test_settings_prints_and_checks_keys(monkeypatch, capsys):
    monkeypatch.setenv("DL_COURSE_PROFILE", "fast")
    cfg = runtime.settings(fast=dict(epochs=1, n=100), full=dict(epochs=20, n=60000), smoke=dict(epochs="epochs", n="batches"))
    assert (cfg.epochs, cfg.n) == (1, 100)
    assert "profile: fast | epochs=1, n=100" in capsys.readouterr().out
    with pytest.raises(ValueError, match="same keys"):
        runtime.settings(fast=dict(epochs=1), full=dict(steps=2), smoke=dict(epochs="epochs"))


def test_expect_bounds_per_profile_print_one_chinese_line(monkeypatch, capsys):
    monkeypatch.setenv("DL_COURSE_STRICT", "1")
    monkeypatch.setenv("DL_COURSE_PROFILE", "fast")
    assert runtime.expect(0.972000002861023, fast=0.96, full=0.99, name="测试集准确率") == 0.972000002861023
    assert capsys.readouterr().out == "✓ 测试集准确率 0.972（快速模式要求 ≥ 0.96）\n"
    monkeypatch.setenv("DL_COURSE_PROFILE", "full")
    with pytest.raises(runtime.ExpectationError, match=r"acc 0.8 未达到完整模式要求 ≥ 0.9"):
        runtime.expect(0.8, fast=0.7, full=0.9, name="acc")
    runtime.expect(0.005, fast=0.1, full=0.01, name="mse", higher_is_better=False)
    assert "≤ 0.01" in capsys.readouterr().out
    with pytest.raises(runtime.ExpectationError, match="≤ 0.01"):
        runtime.expect(0.02, fast=0.1, full=0.01, name="mse", higher_is_better=False)


def test_a_checked_value_is_a_float_that_shows_no_stray_number_in_a_notebook():
    checked = runtime.expect(0.5, fast=0.1, full=0.1, name="acc")
    assert isinstance(checked, float) and checked == 0.5 and f"{checked:.2f}" == "0.50"
    assert checked._ipython_display_() is None  # IPython calls this instead of printing the value


def test_a_missed_bound_in_a_students_run_explains_and_goes_on(monkeypatch, capsys):
    monkeypatch.setenv("DL_COURSE_STRICT", "0")
    monkeypatch.setenv("DL_COURSE_PROFILE", "fast")
    runtime.expect(0.5, fast=0.96, full=0.99, name="测试集准确率")
    out = capsys.readouterr().out
    assert out.startswith("✗ 测试集准确率 0.5，没有达到快速模式要求 ≥ 0.96。")
    assert "可能的原因" in out and "可以尝试" in out and "后面的单元照常运行" in out


def test_activated_sets_and_restores_profile_and_smoke(monkeypatch):
    monkeypatch.setenv("DL_COURSE_PROFILE", "fast")
    monkeypatch.delenv("DL_COURSE_SMOKE", raising=False)
    with runtime.activated("full", smoke=True):
        assert (runtime.profile(), runtime.smoke()) == ("full", True)
    assert (os.environ["DL_COURSE_PROFILE"], "DL_COURSE_SMOKE" in os.environ) == ("fast", False)
    with pytest.raises(ValueError, match="'quick' is not a profile"), runtime.activated("quick"):
        pass
    assert os.environ["DL_COURSE_PROFILE"] == "fast"


def test_backend_is_read_before_keras_is_imported(tmp_path):
    """What Keras will choose: KERAS_BACKEND, then keras.json in KERAS_HOME, then TensorFlow."""
    script = (
        "import importlib.util, json, sys\n"
        f"spec = importlib.util.spec_from_file_location('backends', {runtime.backends.__file__!r})\n"
        "backends = importlib.util.module_from_spec(spec); spec.loader.exec_module(backends)\n"
        "print(json.dumps([backends.name(), 'keras' in sys.modules]))"
    )
    (tmp_path / "keras.json").write_text('{"backend": "torch"}')
    base = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    for env, expected in (({"KERAS_BACKEND": "jax"}, "jax"), ({"KERAS_HOME": str(tmp_path)}, "torch"),
                          ({"KERAS_HOME": str(tmp_path / "none")}, "tensorflow")):
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env={**base, **env}, check=True)
        assert json.loads(out.stdout) == [expected, False], env


def test_set_seed_repeats_numpy_and_keras():
    import keras
    import numpy as np

    def draw():
        return np.random.rand(3), keras.ops.convert_to_numpy(keras.random.uniform((3,)))

    runtime.set_seed(7)
    a = draw()
    runtime.set_seed(7)
    b = draw()
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    runtime.set_seed(8)
    assert not np.array_equal(draw()[0], a[0])


@pytest.mark.tensorflow_backend
def test_describe_reports_versions(capsys):
    info = runtime.info(seed=1)
    assert info["backend"] == "tensorflow" and info["seed"] == 1
    runtime.describe()
    out = capsys.readouterr().out
    assert "profile" in out and f"tensorflow    {info['tensorflow']}" in out


@pytest.mark.parametrize("value", [None, np.array([0.8, 0.9]), "0.9", True])
def test_expect_refuses_anything_but_one_number(monkeypatch, value):
    monkeypatch.setenv("DL_COURSE_PROFILE", "fast")
    with pytest.raises(ValueError, match=r"value must be a single number \(e.g. float\(accuracy\)\)"):
        runtime.expect(value, fast=0.5, full=0.9, name="acc")
    assert runtime.expect(np.float32(0.75), fast=0.5, full=0.9, name="acc") == 0.75


@pytest.mark.parametrize("seed", ["a", -1, 1.5])
def test_set_seed_refuses_what_is_not_a_seed(seed):
    with pytest.raises(ValueError, match=r"seed must be an integer ≥ 0"):
        runtime.set_seed(seed)


@pytest.mark.parametrize("devices", [["/gpu:7"], ["/cpu:0", "/cpu:9"], ["nonsense::"]])
def test_scope_refuses_devices_that_are_not_there(devices):
    if runtime.backend() != "tensorflow":
        pytest.skip("device names are checked under TensorFlow")
    with pytest.raises(ValueError, match=r"devices must name visible devices \(.*CPU:0.*\), got"):
        with runtime.scope(devices):
            pass


@pytest.mark.parametrize(
    ("name", "kinds", "expected"),
    [("tensorflow", (), True), ("jax", (), True), ("torch", ("GPU",), True), ("torch", (), False)],
)
def test_jit_compile_is_off_only_for_pytorch_on_a_cpu(monkeypatch, name, kinds, expected):
    monkeypatch.setattr(runtime.backends, "name", lambda: name)
    monkeypatch.setattr(runtime.backends, "accelerators", lambda: kinds)
    assert runtime.jit_compile() is expected
    assert runtime.jit_compile(False) is False


OMP = """
import os
os.environ.pop("OMP_WAIT_POLICY", None)
import dl_course
print(os.environ["OMP_WAIT_POLICY"])
"""


def test_package_import_lets_openmp_threads_sleep_unless_the_user_chose():
    out = subprocess.run([sys.executable, "-c", OMP], capture_output=True, text=True, timeout=300, check=True)
    assert out.stdout.split()[-1] == "PASSIVE"
    chosen = subprocess.run([sys.executable, "-c", OMP.replace('os.environ.pop("OMP_WAIT_POLICY", None)',
                                                               'os.environ["OMP_WAIT_POLICY"] = "ACTIVE"')],
                            capture_output=True, text=True, timeout=300, check=True)
    assert chosen.stdout.split()[-1] == "ACTIVE"


SEEDED = """
import json, sys
import keras, numpy as np
from dl_course import runtime


def draws():
    runtime.set_seed(3)
    dense = keras.layers.Dense(4)
    dense.build((None, 3))
    dropped = keras.layers.Dropout(0.5)(np.ones((1, 16)), training=True)
    out = [np.random.rand(2).tolist(), keras.ops.convert_to_numpy(dense.kernel).tolist(),
           keras.ops.convert_to_numpy(dropped).tolist()]
    if runtime.backend() == "torch":
        import torch

        out.append(torch.rand(2).tolist())
    return out


first, again = draws(), draws()
print(json.dumps({"same": first == again, "tensorflow": "tensorflow" in sys.modules}))
"""


@pytest.mark.backend_neutral  # its subprocess names its backend: one run, in `make test`
@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_set_seed_repeats_other_backends_without_importing_tensorflow(backend):
    """Keras's set_random_seed imports TensorFlow wherever it is installed; set_seed does not on JAX or PyTorch."""
    from backend_run import run_under

    pytest.importorskip(backend)
    assert run_under(backend, SEEDED, timeout=300) == {"same": True, "tensorflow": False}
