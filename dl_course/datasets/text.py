"""Text corpora and a character vocabulary for the recurrent-network chapters.

Two poetry corpora in the ``fortune`` file format (records separated by ``%`` lines), both
offline from Debian/Ubuntu packages, and without apt (Windows, macOS, Colab) unpacked from the
same packages downloaded from Debian's archive (the poems are public domain; the compilations
keep their own licences and are not shipped with this package):

* ``tang_poems``: the 313 poems of 《唐诗三百首》 from ``fortunes-zh`` (``tang300``);
* ``english_poems``: 720 English songs and poems from ``fortunes`` (``songs-poems``).

``load_data()`` returns a list of :class:`Poem` (title, author, body, preface), with colour
codes and overstrike removed. :class:`CharVocab` maps characters to integer ids with reserved
padding (0) and unknown (1) tokens; :func:`next_char_windows` cuts an id sequence into
(input, next-character target) pairs for a language model.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dl_course.checks import check_positive
from dl_course.datasets import files

PAD, UNK = "<pad>", "<unk>"
UNKNOWN_POLICIES = ("error", "unk")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_OVERSTRIKE = re.compile(r".\x08")  # "_\bX" prints X underlined on a teletype
_ATTRIBUTION = re.compile(r"^\s+--\s*(.*)$")


@dataclass(frozen=True)
class Poem:
    """One poem: ``body`` holds its lines joined by newlines; ``preface`` any prose before it."""

    title: str
    author: str
    body: str
    preface: str = ""


def clean(text: str) -> str:
    """Remove ANSI colour codes and backspace overstrikes; normalise line ends."""
    text = _ANSI.sub("", text.replace("\r\n", "\n"))
    return _OVERSTRIKE.sub("", text)


def fortune_records(text: str) -> list[str]:
    """Split a fortune file into its records (separated by lines holding only ``%``)."""
    records, lines = [], []
    for line in clean(text).split("\n"):
        if line.strip() == "%":
            records.append("\n".join(lines))
            lines = []
        else:
            lines.append(line)
    records.append("\n".join(lines))
    return [r.strip("\n") for r in records if r.strip()]


def _lines(block: list[str]) -> str:
    """Lines stripped at the right, with blank lines at both ends removed."""
    return "\n".join(line.rstrip() for line in block).strip("\n")


def parse_tang(text: str) -> list[Poem]:
    """Poems from ``tang300``: ``《title》``, ``作者：author``, an optional preface, the body.

    A preface (titles ending ``・并序``) is separated from the poem by a whitespace-only line.
    """
    poems = []
    for number, record in enumerate(fortune_records(text), start=1):
        lines = record.split("\n")
        title, author = (lines + ["", ""])[:2]
        if not (
            title.startswith("《") and title.rstrip().endswith("》") and author.startswith("作者")
        ):
            raise ValueError(
                f"record {number} is not a Tang poem ('《title》' then '作者：name'): {record[:40]!r}"
            )
        rest = lines[2:]
        gaps = [i for i, line in enumerate(rest) if not line.strip()]
        cut = gaps[0] if gaps and "序" in title else -1
        poems.append(
            Poem(
                title=title.strip().strip("《》"),
                author=re.sub(r"^作者[：:]\s*", "", author).strip(),
                body=_lines(rest[cut + 1 :]),
                preface=_lines(rest[: max(cut, 0)]),
            )
        )
    return poems


def parse_english(text: str) -> list[Poem]:
    """Poems from ``songs-poems``: the lines before a ``-- author`` line; comments after it dropped."""
    poems = []
    for record in fortune_records(text):
        lines = record.split("\n")
        marks = [i for i, line in enumerate(lines) if _ATTRIBUTION.match(line)]
        end = marks[0] if marks else len(lines)
        author = _ATTRIBUTION.match(lines[end]).group(1).strip() if marks else ""
        body = _lines(lines[:end])
        if body:
            poems.append(Poem(title="", author=author, body=body))
    return poems


class Corpus:
    """A poetry corpus in one system-packaged file, a ``datasets.Dataset`` of the catalogue."""

    def __init__(
        self, name: str, description: str, package: str, spec: files.DataFile, parser: Callable
    ):
        self.NAME, self.DESCRIPTION, self.PACKAGE = name, description, package
        self.FILES = (spec,)
        self._parser = parser

    def __repr__(self) -> str:
        return f"<corpus {self.NAME}: {self.DESCRIPTION}>"

    def load_data(self, path: str | Path | None = None) -> list[Poem]:
        """The parsed poems. ``path`` reads your own file in the same format (its hash is not
        checked, its format is); without it the packaged file is found and checked."""
        if path is None:
            return self._parser(files.fetch_bytes(self.NAME, self.FILES[0], self.PACKAGE).decode("utf-8"))
        fix = f"expected the fortune format of {self.FILES[0].name} (poems separated by lines of '%')"
        if not Path(path).is_file():
            got = "a folder" if Path(path).is_dir() else "no such file"
            raise files.DatasetError(
                f"{self.NAME}: path must be a text file in the fortune format of {self.FILES[0].name} "
                f"(poems separated by lines of '%'), got {str(path)!r} ({got}). Pass the path of such a file, "
                f"or call {self.NAME}.load_data() without a path for the packaged corpus "
                "(`dl-course data` says where to get it)."
            )
        try:
            poems = self._parser(Path(path).read_text(encoding="utf-8-sig"))  # -sig: Notepad's BOM too
        except UnicodeDecodeError:
            raise ValueError(f"{path}: not UTF-8 text; {fix}.") from None
        except ValueError as err:
            raise ValueError(f"{path}: {err}; {fix}.") from None
        if not poems:
            raise ValueError(f"{path}: no poems found; {fix}.")
        empty = [i for i, poem in enumerate(poems, start=1) if not re.search(r"\w", poem.body)]
        if empty:
            raise ValueError(f"{path}: poem {empty[0]} has no words; {fix}.")
        return poems


tang_poems = Corpus(
    "tang_poems",
    "《唐诗三百首》 313 Tang poems (fortunes-zh tang300), ~23k characters",
    "fortunes-zh",
    files.DataFile(
        name="tang300",
        sha256="b69cab0cb84c49dc1808d95aea7156c8911a7022ec630e194eecf360b78feff5",
        system_paths=("/usr/share/games/fortunes/tang300",),
        size_hint="89 KB",
        debs=(
            "https://deb.debian.org/debian/pool/main/f/fortune-zh/fortunes-zh_2.98_all.deb",
            "http://deb.debian.org/debian/pool/main/f/fortune-zh/fortunes-zh_2.98_all.deb",
        ),
    ),
    parse_tang,
)

english_poems = Corpus(
    "english_poems",
    "720 English songs and poems (fortunes songs-poems), ~214k characters",
    "fortunes",
    files.DataFile(
        name="songs-poems",
        sha256="eb714d297b468da91b6ca32baefb000279a3e3740b09f8a87db24fe58e010b1a",
        system_paths=("/usr/share/games/fortunes/songs-poems",),
        size_hint="234 KB",
        debs=(
            "https://deb.debian.org/debian/pool/main/f/fortune-mod/fortunes_1.99.1-7.3_all.deb",
            "http://deb.debian.org/debian/pool/main/f/fortune-mod/fortunes_1.99.1-7.3_all.deb",
        ),
    ),
    parse_english,
)


def _check_policy(unknown: str) -> str:
    if unknown not in UNKNOWN_POLICIES:
        raise ValueError(
            f"unknown-token policy must be 'error' (raise) or 'unk' (map to {UNK}), got {unknown!r}."
        )
    return unknown


class CharVocab:
    """Character vocabulary (词表): id 0 is padding ``<pad>``, id 1 is unknown ``<unk>``.

    ``unknown`` is the policy for characters outside the vocabulary: ``"error"`` raises a
    ``ValueError`` naming them, ``"unk"`` maps them to id 1. ``decode(encode(s)) == s`` for
    every string of known characters; padding decodes to nothing, unknown to ``<unk>``.
    """

    def __init__(self, chars: Iterable[str], unknown: str = "error"):
        chars = list(dict.fromkeys(chars))
        bad = [c for c in chars if not isinstance(c, str) or len(c) != 1]
        if bad:
            raise ValueError(f"vocabulary entries must be single characters, got {bad[:5]!r}.")
        self.unknown = _check_policy(unknown)
        self.tokens = [PAD, UNK, *chars]
        self.index = {c: i for i, c in enumerate(self.tokens)}

    @classmethod
    def fit(cls, texts: Iterable[str], min_count: int = 1, unknown: str = "error") -> CharVocab:
        """Vocabulary of the characters that occur ``min_count`` times or more, most frequent first."""
        counts = Counter(c for text in texts for c in text)
        ranked = sorted(counts, key=lambda c: (-counts[c], c))
        return cls([c for c in ranked if counts[c] >= min_count], unknown=unknown)

    pad_id, unk_id = 0, 1

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, text: str, unknown: str | None = None) -> np.ndarray:
        """Ids (int32) of the characters of ``text``; ``unknown`` overrides the policy."""
        policy = _check_policy(unknown or self.unknown)
        if not isinstance(text, str):
            raise ValueError(f"text must be a string, got {type(text).__name__} {text!r}: pass str(...) or a poem's text.")
        ids = [self.index.get(c, self.unk_id) for c in text]
        if policy == "error" and self.unk_id in ids:
            missing = sorted({c for c in text if c not in self.index})
            raise ValueError(
                f"characters not in the vocabulary: {''.join(missing[:20])!r}; "
                "use unknown='unk' to map them to <unk>."
            )
        return np.asarray(ids, dtype=np.int32)

    def decode(self, ids) -> str:
        """The text of ``ids``, padding skipped; an id outside the vocabulary raises."""
        ids = np.asarray(ids).ravel()
        if ids.size and not np.issubdtype(ids.dtype, np.integer):
            raise ValueError(f"ids must be integer ids, got {ids.dtype} values such as {ids[0].item()!r}: pass model outputs through argmax first.")
        if ids.size and (ids.min() < 0 or ids.max() >= len(self)):
            raise ValueError(
                f"ids must lie in [0, {len(self)}), got range [{ids.min()}, {ids.max()}]."
            )
        return "".join(self.tokens[i] for i in ids if i != self.pad_id)


def next_char_windows(ids, length: int, step: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Cut a 1-D id sequence into inputs ``x`` (n, length) and targets ``y = x`` shifted by one.

    Windows start every ``step`` ids (default ``length``, no overlap); a language model
    learns ``y[:, t]``, the character after ``x[:, t]``.
    """
    ids = np.asarray(ids)
    step = length if step is None else step
    if ids.ndim != 1:
        raise ValueError(f"ids must be a 1-D sequence, got shape {ids.shape}.")
    length, step = check_positive(length, "length"), check_positive(step, "step")
    if len(ids) < length + 1:
        raise ValueError(f"need at least length + 1 = {length + 1} ids, got {len(ids)}.")
    starts = np.arange(0, len(ids) - length, step)
    x = np.stack([ids[s : s + length] for s in starts])
    y = np.stack([ids[s + 1 : s + length + 1] for s in starts])
    return x, y
