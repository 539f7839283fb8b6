"""Keyed digests of list rows in bulk, and the binary COPY rows that carry them to PostgreSQL.

The same HMAC-SHA256 (first 128 bits) as prakerja.lib.digest computes for applicants, here for ten
million values at a time: precomputed key states, and forked worker processes for a large file.
"""
from __future__ import annotations

import hashlib
import logging
import os
import struct
from collections import deque
from typing import Iterator

import numpy as np
from django.conf import settings

from eligibility.lists.files import ListLayout, split_numbers

logger = logging.getLogger(__name__)

class Hasher:
    """HMAC-SHA256 truncated to 128 bits, as prakerja.lib.digest.digest_bytes, for many values at once.

    The key's inner and outer hash states are computed once and copied per value: half the cost of
    hmac.digest() per NIK, which matters at ten million of them.
    """

    def __init__(self, key: bytes):
        if len(key) > 64:  # RFC 2104: a key longer than the block is hashed first
            key = hashlib.sha256(key).digest()
        key = key.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in key))
        self._outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in key))

    def digests(self, values: list[bytes]) -> list[bytes | None]:
        """The 16-byte digest of each value; None for an empty value (a missing KK)."""
        inner_copy, outer_copy = self._inner.copy, self._outer.copy

        def digest(value: bytes) -> bytes | None:
            if not value:
                return None
            inner = inner_copy()
            inner.update(value)
            outer = outer_copy()
            outer.update(inner.digest())
            return outer.digest()[:16]

        return list(map(digest, values))



# PostgreSQL's binary COPY format: a header, per row a field count and length-prefixed values, a trailer.
COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
COPY_TRAILER = struct.pack("!h", -1)
_ROW_START = struct.pack("!hi", 2, 16)  # two fields; the first (nik_digest) is 16 bytes
_UUID_FIELD = struct.pack("!i", 16)
_NULL_FIELD = struct.pack("!i", -1)


def _copy_rows(nik_digests: list[bytes], kk_digests: list[bytes | None] | None) -> bytes:
    if not nik_digests:
        return b""
    if kk_digests is None:
        # Every row is ROW_START + digest + NULL: one join, no per-row Python.
        return _ROW_START + (_NULL_FIELD + _ROW_START).join(nik_digests) + _NULL_FIELD
    return b"".join(
        _ROW_START + nik + (_UUID_FIELD + kk if kk else _NULL_FIELD) for nik, kk in zip(nik_digests, kk_digests)
    )


_worker_hasher: Hasher | None = None


def _init_digest_worker(key: bytes) -> None:
    global _worker_hasher
    _worker_hasher = Hasher(key)


# How many leading bytes of a NIK digest the loader keeps per row to find a file's duplicates (DigestPool
# .repeated_prefixes()): two lines of one NIK share them; two different NIKs do too about once in 2**64 / n
# pairs, and the rows so picked are compared by their whole digests (tables._delete_duplicates).
PREFIX_BYTES = 8


def _probe_sample(joined: bytes) -> list[bytes]:
    """The NIK digests (`joined`: 16 bytes each) that start with a zero byte: about 1 in 256, and the same NIK
    always falls in or out.

    The sample a whole file's duplicates are looked for in (DigestPool.duplicates_seen): both lines of a
    duplicate NIK are in it, or neither. Found with C-speed slicing and find(), no per-row Python."""
    first_bytes = joined[::16]
    sample, at = [], first_bytes.find(0)
    while at >= 0:
        sample.append(joined[16 * at:16 * at + 16])
        at = first_bytes.find(0, at + 1)
    return sample


def _digest_prefixes(joined: bytes) -> bytes:
    """The first PREFIX_BYTES bytes of each NIK digest (`joined`: 16 bytes each), zero-padded to 8 bytes a row
    (one uint64 each for DigestPool.repeated_prefixes), in C: no per-row Python."""
    digests = np.frombuffer(joined, dtype=np.uint8).reshape(-1, 16)
    prefixes = np.zeros((len(digests), 8), dtype=np.uint8)
    prefixes[:, :PREFIX_BYTES] = digests[:, :PREFIX_BYTES]
    return prefixes.tobytes()


def _block_copy_rows(
    block: bytes, layout: ListLayout, hasher: Hasher | None = None,
) -> tuple[bytes, list[bytes], bytes]:
    """A block of good lines as binary COPY rows of their digests, with its probe sample (_probe_sample) and
    its digests' prefixes (_digest_prefixes); in a digest process, or here."""
    hasher = hasher or _worker_hasher
    niks, kks = split_numbers(block, layout)
    nik_digests = hasher.digests(niks)
    joined = b"".join(nik_digests)
    rows = _copy_rows(nik_digests, None if kks is None else hasher.digests(kks))
    return rows, _probe_sample(joined), _digest_prefixes(joined)


def _digest_processes(layout: ListLayout) -> int:
    """How many processes digest a file: one per CPU for a large file, none (this process) otherwise."""
    configured = settings.EXCLUSION_LIST_DIGEST_PROCESSES
    processes = min(4, os.cpu_count() or 1) if configured is None else configured
    min_bytes = settings.EXCLUSION_LIST_PARALLEL_MIN_BYTES
    return processes if processes > 1 and layout.size >= min_bytes else 0


class DigestPool:
    """Digests blocks in worker processes (forked: they inherit the code, and get the key once), in order.

    HMAC of ten million NIKs is ~6 s of one CPU in Python; spread over the machine's CPUs while this
    process reads the file and PostgreSQL stores the rows. Small files, or a process that may not fork
    (a daemonic one), digest in this process instead.
    """

    def __init__(self, layout: ListLayout):
        self.layout = layout
        # True once two lines of the file were seen with the same NIK (in the probe sample, _probe_sample):
        # the duplicates are then deleted before the table's unique index is tried, instead of after that
        # index failed (tables.fill_postgresql). A file with few duplicates may show none in the sample:
        # the index then fails first, slower but the same result. The sample holds 1 digest in 256 (about
        # 40,000, 4 MB, for 10 M lines).
        self.duplicates_seen = False
        self._sample: set[bytes] = set()
        # Every row's digest prefix (_digest_prefixes), in the file's order: 8 bytes a row, 80 MB for 10 M
        # lines, kept for every file since duplicates the sample missed are found from them too. They
        # replace a sort of every digest in PostgreSQL (repeated_prefixes).
        self._prefixes = bytearray()
        self._hasher = Hasher(settings.DIGEST_KEY.encode())
        self._pool = None
        self._processes = processes = _digest_processes(layout)
        if processes:
            import multiprocessing

            # A Celery prefork worker is a daemonic process, and multiprocessing refuses children to
            # those (so that none outlive it). These children are daemonic themselves, live only
            # for this load, and are terminated in __exit__: lift the flag while forking them.
            current = multiprocessing.current_process()
            daemonic = current._config.get("daemon")
            current._config["daemon"] = False
            try:
                self._pool = multiprocessing.get_context("fork").Pool(
                    processes, initializer=_init_digest_worker, initargs=(settings.DIGEST_KEY.encode(),)
                )
            except (AssertionError, OSError, ValueError):
                logger.warning("Digesting exclusion list rows in one process: cannot start worker processes")
            finally:
                if daemonic is not None:
                    current._config["daemon"] = daemonic

    def __enter__(self) -> DigestPool:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if self._pool is not None:
            if exc_type is None:
                self._pool.close()
            else:
                self._pool.terminate()
            self._pool.join()

    def copy_rows(self, blocks: Iterator[bytes]) -> Iterator[bytes]:
        """COPY rows for each block, in the file's order; duplicates_seen is set on the way."""
        if self._pool is None:
            for block in blocks:
                yield self._probed(_block_copy_rows(block, self.layout, self._hasher))
            return
        # A few blocks in flight per process: the file is read (here, with its progress) only as fast as
        # the workers digest it, so memory stays bounded whatever the file's size.
        pending: deque = deque()
        for block in blocks:
            pending.append(self._pool.apply_async(_block_copy_rows, (block, self.layout)))
            if len(pending) >= 3 * self._processes:
                yield self._probed(pending.popleft().get())
        while pending:
            yield self._probed(pending.popleft().get())

    def _probed(self, result: tuple[bytes, list[bytes], bytes]) -> bytes:
        rows, sample, prefixes = result
        self._prefixes += prefixes
        if not self.duplicates_seen:
            size = len(self._sample)
            self._sample.update(sample)
            # Fewer new entries than sampled digests: a digest was already there, or came twice.
            self.duplicates_seen = len(self._sample) - size < len(sample)
            if self.duplicates_seen:
                self._sample.clear()  # decided: no need to keep it
        return rows

    def repeated_prefixes(self) -> list[bytes]:
        """The digest prefixes (PREFIX_BYTES bytes each) that more than one row of the file has, each once: the
        rows of every duplicate NIK share one (and rarely other NIKs too). Call after copy_rows() is consumed.

        A sort of the prefixes in this process (about 1 s for 10 M rows) instead of a sort of every digest in
        PostgreSQL (8-16 s, docs/PERFORMANCE.md); the prefixes are sorted in place, no copy."""
        prefixes = np.frombuffer(self._prefixes, dtype=np.uint64)
        prefixes.sort()
        repeated = np.unique(prefixes[1:][prefixes[1:] == prefixes[:-1]])
        return [prefix[:PREFIX_BYTES] for prefix in np.frombuffer(repeated.tobytes(), dtype="V8").tolist()]
