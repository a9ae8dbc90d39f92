"""Poetry corpora parsing, the character vocabulary and language-model windows."""

import dataclasses
import os

import numpy as np
import pytest

from dl_course import datasets
from dl_course.datasets import files, text

pytestmark = pytest.mark.backend_neutral  # touches no Keras backend: `make test` covers it

TANG = (
    "\x1b[32m《静夜思》\x1b[m\n"
    "\x1b[33m作者：李白\x1b[m\n"
    "床前明月光，疑是地上霜。\n"
    "举头望明月，低头思故乡。\n"
    "%\n"
    "\x1b[32m《某诗・并序》\x1b[m\r\n"
    "\x1b[33m作者：某人\x1b[m\n"
    "序言第一句，\n"
    "序言第二句。\n"
    "  \n"
    "正文一，\n"
    "正文二。\n"
    "%\n"
)

ENGLISH = (
    "A box without hinges, key, or lid,\t\n"
    "Yet golden treasure inside is hid.\n"
    "\t\t-- J. R. R. Tolkien\n"
    "%\n"
    "No author here,\n"
    "_\bs_\bt_\be_\bp quietly.\n"
    "%\n"
    "Line one\n"
    '\t\t-- Someone, "Song"\n'
    "\n"
    "A comment after the attribution.\n"
)


def test_parse_tang_separates_title_author_preface_and_body(tmp_path):
    path = tmp_path / "tang.txt"
    path.write_text(TANG, encoding="utf-8")
    poems = text.tang_poems.load_data(path)
    assert len(poems) == 2
    first, second = poems
    assert (first.title, first.author) == ("静夜思", "李白")
    assert first.body == "床前明月光，疑是地上霜。\n举头望明月，低头思故乡。"
    assert first.preface == ""
    assert (second.title, second.author) == ("某诗・并序", "某人")
    assert second.preface == "序言第一句，\n序言第二句。"
    assert second.body == "正文一，\n正文二。"
    assert not any("\x1b" in p.title + p.author + p.body or "\r" in p.body for p in poems)


def test_parse_tang_rejects_other_formats():
    with pytest.raises(ValueError, match="record 1 is not a Tang poem"):
        text.parse_tang("just some text\n%\n")


def test_parse_english_authors_and_overstrike():
    poems = text.parse_english(ENGLISH)
    assert [p.author for p in poems] == ["J. R. R. Tolkien", "", 'Someone, "Song"']
    assert poems[0].body == "A box without hinges, key, or lid,\nYet golden treasure inside is hid."
    assert poems[1].body == "No author here,\nstep quietly."
    assert poems[2].body == "Line one"  # the comment after the attribution is dropped


def test_corrupt_file_in_data_folder_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv(files.ENV_DATA, str(tmp_path))
    spec = dataclasses.replace(text.tang_poems.FILES[0], system_paths=())  # no good copy elsewhere
    monkeypatch.setattr(text.tang_poems, "FILES", (spec,))
    (tmp_path / "tang_poems").mkdir()
    (tmp_path / "tang_poems" / "tang300").write_text(TANG, encoding="utf-8")
    with pytest.raises(files.DatasetError, match="corrupt or incomplete"):
        text.tang_poems.load_data()


def test_corpora_are_in_the_catalogue():
    assert datasets.CATALOG["tang_poems"] is text.tang_poems
    assert datasets.CATALOG["english_poems"].PACKAGE == "fortunes"


@pytest.mark.skipif(
    not os.path.exists(text.tang_poems.FILES[0].system_paths[0]), reason="needs fortunes-zh"
)
def test_packaged_tang_poems():
    poems = text.tang_poems.load_data()
    assert len(poems) == 313
    assert [p.title.endswith("并序") for p in poems] == [bool(p.preface) for p in poems]
    assert sum(bool(p.preface) for p in poems) == 6
    assert all(p.title and p.author and p.body for p in poems)


def test_vocab_round_trip_and_reserved_ids():
    corpus = ["床前明月光", "疑是地上霜\n"]
    vocab = text.CharVocab.fit(corpus)
    assert vocab.tokens[:2] == [text.PAD, text.UNK]
    assert (vocab.pad_id, vocab.unk_id) == (0, 1)
    assert len(vocab) == 2 + len(set("".join(corpus)))
    for s in corpus + ["", "霜月光\n床"]:
        ids = vocab.encode(s)
        assert ids.dtype == np.int32 and (ids >= 2).all()
        assert vocab.decode(ids) == s
    assert vocab.decode([0, vocab.index["床"], 0]) == "床"  # padding decodes to nothing


def test_vocab_fit_orders_by_frequency_and_min_count():
    vocab = text.CharVocab.fit(["abacab"], min_count=2)
    assert vocab.tokens == [text.PAD, text.UNK, "a", "b"]


def test_unknown_policy():
    vocab = text.CharVocab("abc")
    with pytest.raises(ValueError, match="not in the vocabulary: 'xz'"):
        vocab.encode("axbz")
    ids = vocab.encode("axbz", unknown="unk")
    assert ids.tolist() == [2, 1, 3, 1]
    assert vocab.decode(ids) == "a<unk>b<unk>"
    assert text.CharVocab("abc", unknown="unk").encode("q").tolist() == [1]
    with pytest.raises(ValueError, match="unknown-token policy must be 'error'.*got 'skip'"):
        text.CharVocab("abc", unknown="skip")
    with pytest.raises(ValueError, match="unknown-token policy"):
        vocab.encode("a", unknown="ignore")


def test_vocab_errors():
    with pytest.raises(ValueError, match="single characters"):
        text.CharVocab(["ab", "c"])
    with pytest.raises(ValueError, match=r"ids must lie in \[0, 5\)"):
        text.CharVocab("abc").decode([5])


def test_next_char_windows():
    ids = np.arange(11)
    x, y = text.next_char_windows(ids, length=4)
    assert x.shape == y.shape == (2, 4)
    np.testing.assert_array_equal(y, x + 1)
    x, y = text.next_char_windows(ids, length=4, step=2)
    assert x[:, 0].tolist() == [0, 2, 4, 6]
    with pytest.raises(ValueError, match="at least length"):
        text.next_char_windows(np.arange(4), length=4)
    with pytest.raises(ValueError, match="1-D"):
        text.next_char_windows(np.zeros((2, 9)), length=4)
    with pytest.raises(ValueError, match="step must be a positive integer, got 0"):
        text.next_char_windows(ids, length=4, step=0)


@pytest.mark.parametrize(
    "corpus, content, message",
    [
        (text.tang_poems, b"", "no poems"),
        (text.english_poems, b"\n%\n\n", "no poems"),
        (text.english_poems, b"----\n%\n* * *\n", "poem 1 has no words"),
        (text.tang_poems, "《静夜思》\n作者：李白\n".encode(), "poem 1 has no words"),
        (text.tang_poems, b"\x1f\x8b\x08\x00\xff", "not UTF-8 text"),
    ],
)
def test_own_file_of_the_wrong_format_is_a_clear_error(tmp_path, corpus, content, message):
    path = tmp_path / "poems.txt"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=rf"{path}: {message}.*fortune format"):
        corpus.load_data(path=path)


def test_tang_file_saved_with_a_bom_is_read(tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text(TANG, encoding="utf-8")
    bom = tmp_path / "notepad.txt"
    bom.write_text(TANG, encoding="utf-8-sig")
    assert text.tang_poems.load_data(bom) == text.tang_poems.load_data(plain)


def test_vocab_refuses_ids_and_text_of_the_wrong_kind():
    vocab = text.CharVocab.fit(["床前明月光"])
    with pytest.raises(ValueError, match=r"ids must be integer ids, got float64 values such as 2.7"):
        vocab.decode([2.7])
    with pytest.raises(ValueError, match=r"text must be a string, got int 123"):
        vocab.encode(123)


@pytest.mark.parametrize("corpus", [text.tang_poems, text.english_poems], ids=lambda c: c.NAME)
@pytest.mark.parametrize("where, got", [("missing.txt", "no such file"), ("", "a folder")])
def test_own_path_that_is_no_file_names_the_corpus_and_the_format(tmp_path, corpus, where, got):
    path = tmp_path / where
    with pytest.raises(files.DatasetError) as caught:
        corpus.load_data(path)
    message = str(caught.value)
    assert message.startswith(f"{corpus.NAME}: path must be a text file in the fortune format of {corpus.FILES[0].name}")
    assert f"got {str(path)!r} ({got})" in message and "`dl-course data`" in message
