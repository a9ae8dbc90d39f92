"""Peephole and coupled-gate LSTM cells (scratch.rnn) against the plain LSTM's equations."""

import numpy as np
import pytest

from dl_course.scratch import rnn

pytestmark = pytest.mark.backend_neutral  # touches no Keras backend: `make test` covers it

BATCH, STEPS, FEATURES, UNITS = 3, 6, 4, 5


def _weights(rng, gates):
    return (rng.normal(size=(BATCH, STEPS, FEATURES)), rng.normal(scale=0.5, size=(FEATURES, gates * UNITS)),
            rng.normal(scale=0.5, size=(UNITS, gates * UNITS)), rng.normal(scale=0.5, size=gates * UNITS))


def test_zero_peepholes_give_the_plain_lstm():
    x, kernel, recurrent, bias = _weights(np.random.default_rng(0), 4)
    h0, c0 = np.random.default_rng(1).normal(size=(2, BATCH, UNITS))
    plain, cells = rnn.lstm_forward(x, kernel, recurrent, bias, h0, c0, return_cells=True)
    peep, gates = rnn.peephole_lstm_forward(x, kernel, recurrent, bias, np.zeros((3, UNITS)), h0, c0, return_gates=True)
    np.testing.assert_allclose(peep, plain, rtol=0, atol=1e-12)
    np.testing.assert_allclose(gates["c"], cells, rtol=0, atol=1e-12)


def test_input_and_forget_peepholes_see_the_previous_cell_only():
    x, kernel, recurrent, bias = _weights(np.random.default_rng(2), 4)
    peephole = np.zeros((3, UNITS))
    peephole[:2] = 2.0  # p_i, p_f: they see C_{t-1}, which is 0 at the first step
    plain = rnn.lstm_forward(x, kernel, recurrent, bias)
    peep = rnn.peephole_lstm_forward(x, kernel, recurrent, bias, peephole)
    np.testing.assert_allclose(peep[:, 0], plain[:, 0], atol=1e-12)
    assert np.abs(peep[:, 1:] - plain[:, 1:]).max() > 1e-3


def test_output_peephole_sees_the_new_cell():
    x, kernel, recurrent, bias = _weights(np.random.default_rng(3), 4)
    peephole = np.zeros((3, UNITS))
    peephole[2] = 3.0
    _, gates = rnn.peephole_lstm_forward(x, kernel, recurrent, bias, peephole, return_gates=True)
    z_o = (x[:, 0] @ kernel + bias)[:, 3 * UNITS:]  # h_0 = 0
    expected = 1 / (1 + np.exp(-(z_o + 3.0 * gates["c"][:, 0])))
    np.testing.assert_allclose(gates["o"][:, 0], expected, atol=1e-12)


def test_coupled_gates_are_complementary():
    x, kernel, recurrent, bias = _weights(np.random.default_rng(4), 3)
    h, gates = rnn.coupled_lstm_forward(x, kernel, recurrent, bias, return_gates=True)
    assert h.shape == (BATCH, STEPS, UNITS)
    np.testing.assert_allclose(gates["i"], 1.0 - gates["f"], atol=0)


def test_coupled_lstm_equals_an_lstm_whose_input_gate_mirrors_the_forget_gate():
    # 1 − σ(a) = σ(−a): a plain LSTM with input-gate weights −W_f and bias −b_f is the CIFG cell.
    x, kernel, recurrent, bias = _weights(np.random.default_rng(5), 3)
    blocks = [np.split(w, 3, axis=-1) for w in (kernel, recurrent, bias)]  # each [f, c, o]
    full = [np.concatenate([-wf, wf, wc, wo], axis=-1) for wf, wc, wo in blocks]  # Keras order i, f, c, o
    plain = rnn.lstm_forward(x, *full)
    np.testing.assert_allclose(rnn.coupled_lstm_forward(x, kernel, recurrent, bias), plain, atol=1e-12)


@pytest.mark.parametrize("shape", [(UNITS,), (4, UNITS), (3, UNITS + 1)])
def test_bad_peephole_shape_is_a_clear_error(shape):
    x, kernel, recurrent, bias = _weights(np.random.default_rng(7), 4)
    with pytest.raises(ValueError, match=r"peephole must be \(3, units\)"):
        rnn.peephole_lstm_forward(x, kernel, recurrent, bias, np.zeros(shape))


def test_coupled_lstm_rejects_four_gate_weights():
    x, kernel, recurrent, bias = _weights(np.random.default_rng(8), 4)
    with pytest.raises(ValueError, match="3·units"):
        rnn.coupled_lstm_forward(x, kernel, recurrent, bias)
