"""Readers for the file formats the image datasets come in (IDX, CIFAR pickled batches)."""

from __future__ import annotations

import io
import pickle
import tarfile
from pathlib import Path

import numpy as np

_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def parse_idx(data: bytes, name) -> np.ndarray:
    """The array in the uncompressed IDX bytes ``data``; ``name`` labels errors."""
    if len(data) < 4 or data[:2] != b"\x00\x00" or data[2] not in _IDX_DTYPES:
        raise ValueError(f"{name} is not an IDX file (bad magic number {data[:4].hex()}).")
    ndim = data[3]
    dims = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_IDX_DTYPES[data[2]])
    expected = int(np.prod(dims)) * dtype.itemsize
    body = data[4 + 4 * ndim :]
    if len(body) != expected:
        raise ValueError(f"{name}: IDX header says {dims} ({expected} bytes) but the body has {len(body)}.")
    return np.frombuffer(body, dtype=dtype).reshape(dims).astype(dtype.newbyteorder("="))


def read_cifar_tar(archive: bytes, batches: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 32, 32, 3) uint8 and labels (N, 1) from the CIFAR python tarball's batches.

    ``archive`` is the tarball's content, already checked against its SHA-256 (pickles run
    code when loaded, so only the bytes that were hashed are unpickled).
    """
    images, labels = [], []
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        members = {Path(m.name).name: m for m in tar.getmembers() if m.isfile()}
        for batch in batches:
            with tar.extractfile(members[batch]) as f:
                record = pickle.load(f, encoding="bytes")
            images.append(np.asarray(record[b"data"], np.uint8).reshape(-1, 3, 32, 32))
            labels.append(np.asarray(record[b"labels"], np.uint8))
    x = np.concatenate(images).transpose(0, 2, 3, 1)
    return x, np.concatenate(labels).reshape(-1, 1)
