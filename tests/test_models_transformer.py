"""Transformer, GPT and BERT builders: the papers' parameter counts, causality, training,
save/load and argument errors, on any Keras backend."""

import keras
import numpy as np
import pytest

from dl_course import generate, models, runtime
from dl_course.models import transformer
from dl_course.scratch import attention

numpy = keras.ops.convert_to_numpy  # PyTorch's outputs track gradients: no np.asarray

TINY = dict(d_model=16, heads=2, d_ff=32, layers=2, dropout=0.0)
ONE_LAYER = {**TINY, "layers": 1}  # training tests: most of their time is building the training step


def _count(name, **kwargs):
    with models.shapes_only():
        return models.build(name, **kwargs).count_params()


def _block(d, f, cross=False):
    """One block's parameters: attention 4(d² + d) per attention, FFN 2df + f + d, 2d per layer norm."""
    attentions, norms = (2, 3) if cross else (1, 2)
    return attentions * 4 * (d * d + d) + 2 * d * f + f + d + norms * 2 * d


def test_transformer_base_count():
    d, f, n, v = 512, 2048, 6, 37000
    expected = v * d + n * _block(d, f) + n * _block(d, f, cross=True)
    assert expected == 63_082_496
    assert _count("transformer") == expected  # the defaults are the base model
    assert _count("transformer", tie_embeddings=False) == expected + v * d + v
    assert _count("transformer_encoder") == v * d + n * _block(d, f) == 37_858_304


def test_bert_base_count():
    d, f, n = 768, 3072, 12
    embeddings = (30522 + 512 + 2) * d + 2 * d
    assert _count("bert") == embeddings + n * _block(d, f) + d * d + d == 109_482_240
    assert _count("bert", pooler=False) == 109_482_240 - (d * d + d)


def test_gpt2_small_count():
    d, f, n = 768, 3072, 12
    assert _count("gpt") == (50257 + 1024) * d + n * _block(d, f) + 2 * d == 124_439_808
    assert _count("gpt", tie_embeddings=False) == 124_439_808 + 50257 * d + 50257


def test_docstrings_state_the_counts():
    for name, count in (("transformer", "63,082,496"), ("bert", "109,482,240"), ("gpt", "124,439,808"),
                        ("transformer_encoder", "37,858,304")):
        assert count in models.get(name).__doc__, name


def test_gpt_is_causal():
    keras.utils.set_random_seed(0)
    model = models.build("gpt", vocab_size=20, max_length=12, **TINY)
    ids = np.random.default_rng(0).integers(1, 20, size=(2, 12)).astype("int32")
    changed = ids.copy()
    changed[:, 7] = (ids[:, 7] % 19) + 1  # another token at position 7
    before, after = numpy(model(ids)), numpy(model(changed))
    np.testing.assert_allclose(after[:, :7], before[:, :7], atol=1e-6)
    assert np.abs(after[:, 7:] - before[:, 7:]).max() > 1e-4
    np.testing.assert_allclose(before.sum(-1), 1.0, atol=1e-5)


def test_positional_embedding_adds_the_papers_sinusoids():
    layer = transformer.PositionalEmbedding(10, 8, scale=True)
    ids = np.array([[3, 1, 4, 1, 5]], "int32")
    out = numpy(layer(ids))
    table = numpy(layer.tokens.embeddings)
    np.testing.assert_allclose(out[0], table[ids[0]] * np.sqrt(8) + attention.sinusoidal_positions(5, 8), atol=1e-5)
    logits = numpy(layer(out, to_logits=True))
    np.testing.assert_allclose(logits, out @ table.T, rtol=1e-5, atol=1e-5)


def test_block_equals_the_numpy_parts():
    """A post-LN encoder block is LN(x + MHA(x)) then LN(h + FFN(h)), with the scratch functions."""
    rng = np.random.default_rng(1)
    block = transformer.TransformerBlock(8, 2, 16, epsilon=1e-3)
    x = rng.normal(size=(2, 5, 8)).astype("float32")
    block.build(x.shape)
    block.set_weights([rng.normal(scale=0.5, size=w.shape).astype("float32") for w in block.get_weights()])
    relu = lambda z: np.maximum(z, 0)  # noqa: E731
    mha = block.self_attention.get_weights()
    w1, b1 = block.ffn_hidden.get_weights()
    w2, b2 = block.ffn_output.get_weights()
    (g1, be1), (g2, be2) = (n.get_weights() for n in block.norms)
    h = attention.layer_norm(x + attention.multi_head_attention(x, x, x, *mha)[0], g1, be1)
    expected = attention.layer_norm(h + relu(h @ w1 + b1) @ w2 + b2, g2, be2)
    np.testing.assert_allclose(numpy(block(x)), expected, atol=1e-4)


def _reverse_task(n=512, steps=6, seed=0):
    """Source ids 2…9, target the source reversed; decoder_in = start id 1 + target[:-1]."""
    rng = np.random.default_rng(seed)
    source = rng.integers(2, 10, size=(n, steps)).astype("int32")
    target = source[:, ::-1].copy()
    decoder_in = np.concatenate([np.ones((n, 1), "int32"), target[:, :-1]], axis=1)
    return source, decoder_in, target


def _loss_falls(model, x, y, epochs, lr):
    """The training loss of the first and of the last epoch."""
    model.compile(keras.optimizers.Adam(lr), "sparse_categorical_crossentropy",
                  steps_per_execution=runtime.steps_per_execution(8))
    losses = model.fit(x, y, epochs=epochs, batch_size=64, verbose=0).history["loss"]
    return losses[0], losses[-1]


def test_tiny_transformer_learns_to_reverse():
    keras.utils.set_random_seed(0)
    source, decoder_in, target = _reverse_task()
    model = models.build("transformer", source_vocab=10, target_vocab=10, **ONE_LAYER)
    first, last = _loss_falls(model, [source, decoder_in], target, epochs=6, lr=1e-2)
    assert last < 0.75 * first, (first, last)


def test_tiny_gpt_learns_a_pattern():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    starts = rng.integers(0, 5, size=512)
    seq = (starts[:, None] + np.arange(17)[None]) % 5 + 2  # 2 3 4 5 6 2 3 … from a random start
    x, y = seq[:, :-1].astype("int32"), seq[:, 1:].astype("int32")
    model = models.build("gpt", vocab_size=8, max_length=16, **ONE_LAYER)
    first, last = _loss_falls(model, x, y, epochs=4, lr=1e-2)
    assert last < 0.5 * first, (first, last)


def test_greedy_decoding_matches_teacher_forcing():
    keras.utils.set_random_seed(1)
    model = models.build("transformer", source_vocab=10, target_vocab=10, **TINY)
    source, _, _ = _reverse_task(n=3)
    out = generate.greedy_decode(model, source, length=6, start_id=1)
    decoder_in = np.concatenate([np.ones((3, 1), "int32"), out[:, :-1]], axis=1)
    np.testing.assert_array_equal(numpy(model([source, decoder_in])).argmax(-1), out)


def test_padding_gets_no_attention_and_maps_sum_to_one():
    keras.utils.set_random_seed(2)
    model = models.build("transformer", source_vocab=10, target_vocab=10, **TINY)
    source, decoder_in, _ = _reverse_task(n=2)
    source[0, 4:] = 0
    maps = {k: numpy(v) for k, v in transformer.attention_model(model)([source, decoder_in]).items()}
    assert sorted(maps) == ["decoder1", "decoder1/cross", "decoder2", "decoder2/cross", "encoder1", "encoder2"]
    for name, w in maps.items():
        np.testing.assert_allclose(w.sum(-1), 1.0, atol=1e-5, err_msg=name)
    assert maps["encoder1"].shape == (2, 2, 6, 6) and maps["decoder1/cross"].shape == (2, 2, 6, 6)
    assert np.all(maps["encoder1"][0, :, :, 4:] < 1e-6) and np.all(maps["decoder2/cross"][0, :, :, 4:] < 1e-6)
    assert np.all(np.triu(maps["decoder1"][1, 0], k=1) < 1e-6)  # causal
    with pytest.raises(ValueError, match="has no TransformerBlock layers"):
        transformer.attention_model(models.build("mlp"))


@pytest.mark.parametrize("name", ["transformer", "gpt", "bert"])
def test_save_and_load_round_trip(tmp_path, name):
    keras.utils.set_random_seed(3)
    example = models.examples()[name]
    model = models.build(name, **example)
    rng = np.random.default_rng(0)
    ids = rng.integers(1, 8, size=(2, 6)).astype("int32")
    inputs = {"transformer": [ids, ids], "gpt": ids, "bert": [ids, np.zeros_like(ids)]}[name]
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    for got, expected in zip(keras.tree.flatten(loaded(inputs)), keras.tree.flatten(model(inputs)), strict=True):
        np.testing.assert_allclose(numpy(got), numpy(expected), atol=1e-6)


def test_untied_and_pre_ln_variants_build():
    model = models.build("transformer", source_vocab=10, target_vocab=10, tie_embeddings=False, norm_first=True,
                         positions="learned", max_length=8, **TINY)
    assert {"logits", "encoder_norm", "decoder_norm"} <= {layer.name for layer in model.layers}
    shared = models.build("transformer", source_vocab=10, **TINY)
    assert "embedding" in {layer.name for layer in shared.layers}  # one table for source and target


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match=r"transformer: heads must be a positive integer that divides d_model = 512 .*got 7"):
        models.build("transformer", heads=7)
    with pytest.raises(ValueError, match=r"gpt: d_model must be a positive integer, got 0"):
        models.build("gpt", d_model=0)
    with pytest.raises(ValueError, match=r"gpt: dropout \(a drop probability\) must be a number in \[0, 1\), got 1\.5"):
        models.build("gpt", dropout=1.5)
    with pytest.raises(ValueError, match=r"positions must be one of 'sinusoidal' .*'learned'.*got 'rotary'"):
        models.build("transformer_encoder", positions="rotary")
    with pytest.raises(ValueError, match=r"max_length \(the longest sequence with learned positions\) must be a positive"):
        models.build("gpt", max_length=None)
    with pytest.raises(ValueError, match=r"target_vocab \(the start token plus symbols\) must be an integer ≥ 2, got 1"):
        models.build("transformer", source_vocab=10, target_vocab=1, **TINY)
    with pytest.raises(ValueError, match=r"depth \(d_model\) must be an even integer with sinusoidal positions"):
        transformer.PositionalEmbedding(10, 7)
    with pytest.raises(ValueError, match=r"sequences of 9 steps are longer than max_length=8"):
        transformer.PositionalEmbedding(10, 8, max_length=8, positions="learned")(np.ones((1, 9), "int32"))
    with pytest.raises(ValueError, match="needs the encoder's output as context"):
        transformer.TransformerBlock(8, 2, 16, cross_attention=True)(np.ones((1, 3, 8), "float32"))
