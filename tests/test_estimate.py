"""The paper estimate of the full profile's GPU time: devices by name, the Chinese note a notebook
prints, each chapter's workload against its notebook's settings cell, and the 20-minute budget."""

import random

import keras
import numpy as np
import pytest

from dl_course import chapters, estimate
from dl_course.estimate import Cost, Loop


@pytest.mark.parametrize(
    ("name", "key", "known"),
    [
        ("Tesla T4", "T4", True),
        ("NVIDIA GeForce RTX 3060", "RTX 3060", True),
        ("NVIDIA H100 80GB HBM3", "H100", True),
        ("NVIDIA A100-SXM4-40GB", "A100", True),
        ("NVIDIA L4", "L4", True),
        ("Tesla V100-SXM2-16GB", "V100", True),
        ("Radeon Something 9000", "T4", False),
        (None, "T4", False),
    ],
)
def test_device_for_matches_names_and_falls_back_to_a_t4(name, key, known):
    device, found = estimate.device_for(name)
    assert (device.name, found) == (key, known)


def test_faster_devices_estimate_less_time_for_a_compute_bound_loop():
    loop = Loop("big", 50000, 10, 256, cost=Cost(macs=4_000_000_000, units=30_000_000, layers=150, time_steps=0))
    t4, h100 = (estimate.loop_seconds(loop, estimate.DEVICES[k]) for k in ("T4", "H100"))
    assert h100 < t4 / 5


def test_numpy_loops_take_the_same_time_whatever_the_gpu():
    loop = Loop("rbm", 60000, 2, 64, weights=784 * 256, macs_per_weight=7)
    assert loop.on_cpu
    times = {estimate.loop_seconds(loop, d) for d in estimate.DEVICES.values()}
    assert len(times) == 1 and times.pop() == pytest.approx(2 * 784 * 256 * 7 * 60000 * 2 / estimate.CPU_FLOPS
                                                             + 1876 * estimate.NUMPY_STEP_SECONDS)


def test_more_epochs_and_recurrent_time_steps_cost_more():
    cost = Cost(macs=1_000_000, units=10_000, layers=5, time_steps=0)
    t4 = estimate.DEVICES["T4"]
    short, long = (estimate.loop_seconds(Loop("x", 1000, e, 32, cost=cost), t4) for e in (1, 10))
    assert long > 5 * short - 5 * estimate.COMPILE_SECONDS
    unrolled = Cost(macs=1_000_000, units=10_000, layers=5, time_steps=100)
    assert estimate.loop_seconds(Loop("x", 1000, 1, 32, cost=unrolled), t4) > short


def test_full_profile_message_names_the_device_the_minutes_and_the_fast_profile():
    text = estimate.message("04", "full", "Tesla T4", 11.0, 11.0)
    assert "Tesla T4" in text and "11 分钟" in text and "6–22" in text
    assert "DL_COURSE_PROFILE=fast" in text and "dl-course run 04 --profile fast" in text and "快速模式" in text


def test_unknown_gpu_is_estimated_as_a_t4_and_said_so():
    text = estimate.message("06", "full", "Mystery GPU", 7.4, 7.4)
    assert "未识别的 GPU（Mystery GPU，按 T4 估算）" in text and "7 分钟" in text and "--profile fast" in text


def test_full_profile_without_a_gpu_says_so():
    text = estimate.message("04", "full", None, 11.0)
    assert "没有检测到 GPU" in text and "DL_COURSE_PROFILE=fast" in text


def test_fast_profile_prints_one_short_line_with_the_t4_figure():
    text = estimate.message("04", "fast", None, 11.0)
    assert text.startswith("快速模式 (fast)") and "T4" in text and "11 分钟" in text and "\n" not in text


def test_announce_estimates_for_the_named_device_and_leaves_random_state_and_names_alone(capsys):
    random.seed(3)
    np.random.seed(3)
    before = keras.layers.Dense(1).name
    py_state, np_state = random.getstate(), np.random.get_state()
    on_t4 = estimate.announce("03", gpu="Tesla T4", profile="full")
    on_h100 = estimate.announce("03", gpu="NVIDIA H100 80GB HBM3", profile="full")
    out = capsys.readouterr().out
    assert "Tesla T4" in out and "H100" in out and "dl-course run 03 --profile fast" in out
    assert 0 < on_h100 <= on_t4
    assert random.getstate() == py_state and np.all(np.random.get_state()[1] == np_state[1])
    after = keras.layers.Dense(1).name
    assert int(after.rsplit("_", 1)[-1]) == int(before.rsplit("_", 1)[-1] if "_" in before else 0) + 1


@pytest.mark.parametrize("chapter", [c.number for c in chapters.CHAPTERS])
def test_each_chapter_module_describes_its_full_profile(chapter):
    module = chapters.BY_NUMBER[chapter].lesson()
    loops = module.full_workload()
    assert loops and all(isinstance(loop, Loop) for loop in loops)
    assert all(loop.examples > 0 and loop.epochs > 0 and loop.batch_size > 0 for loop in loops)


@pytest.mark.parametrize("chapter", [c.number for c in chapters.CHAPTERS])
def test_the_notebooks_full_settings_equal_the_chapter_modules(chapter):
    module = chapters.BY_NUMBER[chapter].lesson()
    assert estimate.settings_cell(chapter)["full"] == module.FULL_SETTINGS


@pytest.mark.parametrize("chapter", [c.number for c in chapters.CHAPTERS])
def test_no_chapters_full_profile_is_estimated_over_20_minutes_on_a_t4(chapter):
    loops = chapters.BY_NUMBER[chapter].lesson().full_workload()
    assert estimate.minutes(loops, "T4") <= 20


def test_chapter_04s_previous_recipe_was_over_the_budget():
    from dl_course.lessons import ch04_cnn_architectures as ch04

    before = dict(ch04.FULL_SETTINGS, compare=ch04.COMPARED["full"], resnet="resnet56", epochs=80, batch_size=128)
    assert estimate.minutes(ch04.full_workload(before), "T4") > 20


def test_chapter_05s_corpus_sizes_match_the_corpora():
    from dl_course.datasets import DatasetError, text
    from dl_course.lessons import ch05_rnn

    try:
        poems, english = text.tang_poems.load_data(), text.english_poems.load_data()
    except (DatasetError, OSError) as error:
        pytest.skip(f"corpora not available: {error}")
    order = np.random.default_rng(0).permutation(len(poems))  # the chapter's split
    train = [poems[i].body for i in order[31:]]
    vocab = text.CharVocab.fit(train, min_count=2, unknown="unk")
    tang = ch05_rnn.CORPORA["tang"]
    assert (len("".join(t + "\n\n" for t in train)), len(vocab)) == (tang["train"], tang["vocab"])
    cut = len(english) // 10
    english_order = np.random.default_rng(0).permutation(len(english))
    english_train = [english[i].body for i in english_order[cut:]]
    assert len("".join(t + "\n\n" for t in english_train)) == ch05_rnn.CORPORA["english"]["train"]
