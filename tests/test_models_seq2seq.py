import keras
import numpy as np
import pytest

from dl_course import generate, models
from dl_course.models import seq2seq

SMALL = dict(source_vocab=20, target_vocab=8, embed_dim=8, units=16)


def _batch(seed=0, batch=3, source_steps=7, target_steps=5):
    rng = np.random.default_rng(seed)
    source = rng.integers(2, 20, size=(batch, source_steps))
    source[0, 4:] = 0  # padding
    return source, rng.integers(0, 8, size=(batch, target_steps))


def _lstm(e, n):
    return 4 * (e * n + n * n + n)


def test_default_parameter_counts_match_the_formulas():
    vs, vt, e, n = 48, 14, 32, 128
    plain = (vs + vt) * e + 2 * _lstm(e, n) + (n + 1) * vt
    assert plain == 168_654
    assert models.build("seq2seq").count_params() == plain
    assert models.build("seq2seq_attention").count_params() == plain + n * n + 2 * n * n == 217_806


def test_output_shapes_and_probabilities():
    source, target = _batch()
    for name in ("seq2seq", "seq2seq_attention"):
        model = models.build(name, **SMALL)
        probs = keras.ops.convert_to_numpy(model([source, target]))
        assert probs.shape == (3, 5, 8), name
        np.testing.assert_allclose(probs.sum(-1), 1.0, atol=1e-5)


def test_lstms_start_with_forget_gate_bias_one():
    model = models.build("seq2seq_attention", **SMALL)
    for layer_name in ("encoder", "decoder"):
        bias = model.get_layer(layer_name).get_weights()[2].reshape(4, 16)  # gates i, f, c, o
        np.testing.assert_array_equal(bias[1], 1.0)
        np.testing.assert_array_equal(bias[[0, 2, 3]], 0.0)


@pytest.mark.parametrize("builder", ["seq2seq", "seq2seq_attention"])
def test_embeddings_start_as_unit_normal_draws(builder):
    keras.utils.set_random_seed(0)
    model = models.build(builder)
    for name in ("source_embedding", "target_embedding"):
        table = keras.ops.convert_to_numpy(model.get_layer(name).embeddings)
        assert 0.9 < table.std() < 1.1 and abs(table.mean()) < 0.1, name  # not Keras's U(-0.05, 0.05)


def test_attention_weights_sum_to_one_and_skip_padding():
    keras.utils.set_random_seed(0)
    model = models.build("seq2seq_attention", **SMALL)
    source, target = _batch()
    weights = keras.ops.convert_to_numpy(seq2seq.attention_model(model)([source, target]))
    assert weights.shape == (3, 5, 7)
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-5)
    assert np.all(weights[0, :, 4:] < 1e-6)  # padded source steps get no attention
    with pytest.raises(ValueError, match="has no layer named 'attention'"):
        seq2seq.attention_model(models.build("seq2seq", **SMALL))


def test_decoder_is_causal_so_greedy_decoding_matches_the_model():
    keras.utils.set_random_seed(1)
    model = models.build("seq2seq_attention", **SMALL)
    source, _ = _batch()
    out = generate.greedy_decode(model, source, length=5, start_id=1)
    assert out.shape == (3, 5) and out.dtype == np.int32
    # feeding the decoded sequence back (teacher forcing) reproduces every argmax
    decoder_in = np.concatenate([np.ones((3, 1), "int32"), out[:, :-1]], axis=1)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(model([source, decoder_in])).argmax(-1), out)
    with pytest.raises(ValueError, match="length must be a positive integer"):
        generate.greedy_decode(model, source, length=0, start_id=1)
    with pytest.raises(ValueError, match=r"source_ids must be \(batch, source steps\)"):
        generate.greedy_decode(model, source[0], length=3, start_id=1)


def test_save_and_load_round_trip(tmp_path):
    source, target = _batch()
    model = models.build("seq2seq_attention", **SMALL)
    path = tmp_path / "s2s.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    numpy = keras.ops.convert_to_numpy  # PyTorch's outputs track gradients: no np.asarray
    np.testing.assert_allclose(numpy(loaded([source, target])), numpy(model([source, target])), atol=1e-6)
    np.testing.assert_allclose(
        numpy(seq2seq.attention_model(loaded)([source, target])),
        numpy(seq2seq.attention_model(model)([source, target])),
        atol=1e-6,
    )


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="units must be a positive integer"):
        models.build("seq2seq", units=0)
    with pytest.raises(ValueError, match=r"target_vocab \(the start token plus symbols\) must be an integer ≥ 2"):
        models.build("seq2seq_attention", target_vocab=1)


def test_attention_map_plot_checks_the_shape():
    import matplotlib

    matplotlib.use("Agg")
    from dl_course import plot

    ax = plot.attention_map(np.full((2, 3), 1 / 3), source="abc", target="xy")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    with pytest.raises(
        ValueError, match=r"weights must be \(len\(target\), len\(source\)\) = \(2, 4\)"
    ):
        plot.attention_map(np.ones((2, 3)), source="abcd", target="xy")
