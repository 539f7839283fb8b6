"""A chunk with a few bad lines stays on the fast path for its plain lines: only the refused lines take the csv
path, and the outcome (good lines passed on, bad lines with their physical line numbers and reasons, KKs dropped)
is the line-by-line path's, wherever the bad lines fall in the chunk."""
from __future__ import annotations

import io
import itertools

import pytest

from eligibility.lists import files
from eligibility.lists.files import LineReader, ListLayout
from tests.eligibility.lists.conftest import KK_A, NIK_A, NIK_B, NIK_C

GOOD = [f"{NIK_A},{KK_A},Siti", f"{NIK_B},,Budi", f'"{NIK_C}",{KK_A},"Andi, S.Pd"']  # the last is good but quoted
BAD = ["12345,,Pendek", ",,Tanpa NIK", "", f"{NIK_A},12,KK rusak", '"3201014112900001,,kutip']
HEADER = b"nik,kk,nama\n"


def _read(lines: list[str], *, mixed: bool, chunk_bytes: int = 64) -> tuple[bytes, str, tuple]:
    data = HEADER + ("\n".join(lines) + "\n").encode()
    layout = ListLayout(nik_index=0, kk_index=1, delimiter=",", data_offset=len(HEADER), size=len(data))
    sink = io.StringIO()
    reader = LineReader(io.BytesIO(data), layout, sink)
    if not mixed:  # the reference: every chunk that is not wholly plain line by line through csv
        reader._parse_mixed = lambda chunk, first_line, plain_end: reader._parse(chunk, first_line)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(files, "CHUNK_BYTES", chunk_bytes)
        blocks = b"".join(reader.blocks())
    return blocks, sink.getvalue(), (reader.lines, reader.good, reader.bad, reader.kk_dropped)


def _plain(blocks: bytes) -> list[tuple[bytes, bytes]]:
    """The NIK and KK of each good line, whatever its other fields became."""
    return [tuple(line.split(b",")[:2]) for line in blocks.split(b"\n")[:-1]]


@pytest.mark.parametrize("chunk_bytes", [40, 64, 256, 4096])
@pytest.mark.parametrize("bad_at", [(0,), (5,), (19,), (0, 1), (3, 4, 5), (0, 19), (7, 13)])
def test_it_agrees_with_the_line_by_line_path(bad_at, chunk_bytes):
    good = itertools.cycle(GOOD)
    bad = itertools.cycle(BAD)
    lines = [next(bad) if i in bad_at else next(good) for i in range(20)]
    mixed = _read(lines, mixed=True, chunk_bytes=chunk_bytes)
    reference = _read(lines, mixed=False, chunk_bytes=chunk_bytes)
    assert _plain(mixed[0]) == _plain(reference[0])
    assert mixed[1] == reference[1]  # the same bad lines, line numbers and reasons, in file order
    assert mixed[2] == reference[2]


def test_only_the_refused_lines_take_the_csv_path(monkeypatch):
    lines = [GOOD[0]] * 5000
    lines[1234] = BAD[0]
    lines[4321] = BAD[3]
    parsed: list[bytes] = []
    real = LineReader._parse

    def spy(self, chunk, first_line):
        parsed.append(chunk)
        return real(self, chunk, first_line)

    monkeypatch.setattr(LineReader, "_parse", spy)
    _blocks, bad, counts = _read(lines, mixed=True, chunk_bytes=256 * 1024)
    assert parsed == [f"{BAD[0]}\n".encode(), f"{BAD[3]}\n".encode()]
    assert bad == "1236,format,*****\n4323,kk_format_nik_loaded,**\n"  # line, reason, the value masked
    assert counts == (5000, 4999, 1, 1)
