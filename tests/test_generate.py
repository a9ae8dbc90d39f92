"""Sampling text from a char_rnn: temperature, the NumPy stepper against Keras, seeding."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from dl_course import generate
from dl_course.datasets.text import CharVocab
from dl_course.models.recurrent import char_rnn


def test_sample_next_temperature():
    probs = np.array([0.0, 0.1, 0.6, 0.3])
    assert generate.sample_next(probs, temperature=0) == 2
    assert generate.sample_next(probs, temperature=0, banned=[2]) == 3
    rng = np.random.default_rng(0)
    draws = [generate.sample_next(probs, 1.0, rng, banned=[1]) for _ in range(2000)]
    assert 1 not in draws and 0 not in draws
    np.testing.assert_allclose(np.mean(np.array(draws) == 2), 0.6 / 0.9, atol=0.04)
    cold = [generate.sample_next(probs, 0.2, rng) for _ in range(500)]
    hot = [generate.sample_next(probs, 5.0, rng) for _ in range(500)]
    assert np.mean(np.array(cold) == 2) > 0.95 > np.mean(np.array(hot) == 2)
    with pytest.raises(ValueError, match="temperature must be a number ≥ 0"):
        generate.sample_next(probs, temperature=-1)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_numpy_stepper_equals_the_keras_model(cell):
    keras.utils.set_random_seed(1)
    model = char_rnn(vocab_size=12, embed_dim=4, units=(6, 5), cell=cell)
    ids = np.array([[3, 5, 2, 11, 7, 4]], "int32")
    expected = keras.ops.convert_to_numpy(model(ids))[0]
    step = generate.char_rnn_stepper(model)
    got = np.stack([step(i) for i in ids[0]])
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_stepper_turns_a_logits_head_into_probabilities_and_refuses_other_heads():
    keras.utils.set_random_seed(2)
    model = char_rnn(vocab_size=9, embed_dim=3, units=4, cell="lstm", classifier_activation=None)
    logits = keras.ops.convert_to_numpy(model(np.array([[4, 1]], "int32")))[0, -1]
    step = generate.char_rnn_stepper(model)
    step(4)
    np.testing.assert_allclose(step(1), np.exp(logits) / np.exp(logits).sum(), atol=1e-5)
    sigmoid_head = char_rnn(vocab_size=9, embed_dim=3, units=4, classifier_activation="sigmoid")
    with pytest.raises(ValueError, match="softmax or linear"):
        generate.char_rnn_stepper(sigmoid_head)


def test_sample_text_is_seeded_and_uses_the_vocabulary():
    keras.utils.set_random_seed(0)
    vocab = CharVocab("床前明月光，。\n")
    model = char_rnn(vocab_size=len(vocab), embed_dim=4, units=8, cell="gru")
    first = generate.sample_text(model, vocab, "床前", length=12, temperature=1.0, seed=3)
    again = generate.sample_text(model, vocab, "床前", length=12, temperature=1.0, seed=3)
    assert first == again and len(first) == 12
    assert set(first) <= set("床前明月光，。\n")
    stopped = generate.sample_text(model, vocab, "床", length=40, temperature=5.0, seed=1, stop="。")
    assert stopped.endswith("。") or len(stopped) == 40
    assert "。" not in stopped[:-1]
    with pytest.raises(ValueError, match="prompt"):
        generate.sample_text(model, vocab, "", length=3)


JAX_SCRIPT = """
import json, keras, numpy as np
from dl_course import generate
from dl_course.models.recurrent import char_rnn
assert keras.backend.backend() == "jax"
keras.utils.set_random_seed(0)
model = char_rnn(vocab_size=10, embed_dim=4, units=(5, 3), cell="lstm")
ids = np.array([[2, 7, 1]], "int32")
step = generate.char_rnn_stepper(model)
stepped = np.stack([step(i) for i in ids[0]])
error = float(np.abs(stepped - keras.ops.convert_to_numpy(model(ids))[0]).max())
print(json.dumps({"error": error}))
"""


def test_stepper_runs_under_jax():
    pytest.importorskip("jax")
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    out = subprocess.run([sys.executable, "-c", JAX_SCRIPT], capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    assert json.loads(out.stdout.strip().splitlines()[-1])["error"] < 1e-5
