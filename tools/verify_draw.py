#!/usr/bin/env python3
"""Check a Kartu Prakerja draw yourself, with nothing but Python's standard library.

From the public wave page (/gelombang/<number>/) copy the seed, the cut-off ticket and the pool commitment, and
download the ticket list. Then:

    python3 verify_draw.py --seed SEED --nik YOUR_NIK --tickets wave-12-tickets.txt \
        --commitment POOL_COMMITMENT [--cutoff CUTOFF_TICKET]

It prints your ticket (SHA-256 of "SEED:NIK" in lower-case hex), whether the ticket list matches the published
commitment (SHA-256 of the file exactly as downloaded: every eligible ticket sorted, one per line, each line ending
in "\\n"), whether the list is sorted and holds your ticket, your place in it, and whether your ticket is at or
below the cut-off (selected). Exit status 0 when every check passes, 1 otherwise, 2 for a NIK that is not one.

The NIK may be written as on the profile form, with spaces or dots ("3201 0141 1290 0001"); it is read and checked
by the programme's own NIK rule, prakerja/lib/identity.py, so run the script from the programme's source code.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

# Indonesian, then English: the registration form's words for each of identity.nik_problem's codes.
NIK_PROBLEMS = {
    "empty": ("NIK terdiri dari tepat 16 angka (spasi dan titik diabaikan).",
              "A NIK has exactly 16 digits (spaces and dots are ignored)."),
    "format": ("NIK terdiri dari tepat 16 angka (spasi dan titik diabaikan).",
               "A NIK has exactly 16 digits (spaces and dots are ignored)."),
    "province": ("Dua angka pertama NIK bukan kode provinsi yang sah.",
                 "The first two digits of the NIK are not a valid province code."),
    "region": ("Angka ke-3 sampai ke-6 NIK (kode kabupaten/kota dan kecamatan) tidak boleh 00.",
               "Digits 3 to 6 of the NIK (regency and district codes) cannot be 00."),
    "birth_date": ("Angka ke-7 sampai ke-12 NIK bukan tanggal lahir yang mungkin (ddmmyy; untuk perempuan tanggal "
                   "ditambah 40).",
                   "Digits 7 to 12 of the NIK are not a possible birth date (ddmmyy; women add 40 to the day)."),
    "serial": ("Empat angka terakhir NIK (nomor urut) tidak boleh 0000.",
               "The last four digits of the NIK (the serial number) cannot be 0000."),
}


def load_identity() -> ModuleType:
    """prakerja/lib/identity.py, the project's one NIK rule, loaded by its path. Not imported as
    `prakerja.lib.identity`: the `prakerja` package starts Django's Celery app, while the module itself needs only
    the standard library (tests/eligibility/screening/test_draw_check.py runs this script without site-packages)."""
    path = Path(__file__).resolve().parent.parent / "prakerja" / "lib" / "identity.py"
    if not path.is_file():
        sys.exit(f"verify_draw.py: jalankan dari kode sumber program (tidak ada {path}). / "
                 f"run it from the programme's source code ({path} is missing).")
    spec = importlib.util.spec_from_file_location("prakerja_identity", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def ticket(seed: str, nik: str) -> str:
    return hashlib.sha256(f"{seed}:{nik}".encode("utf-8")).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", required=True)
    parser.add_argument("--nik", required=True,
                        help="your NIK: 16 digits, spaces and dots allowed (stays on your computer)")
    parser.add_argument("--tickets", required=True, help="the downloaded ticket list")
    parser.add_argument("--commitment", required=True, help="the published pool commitment")
    parser.add_argument("--cutoff", default="", help="the published cut-off ticket")
    args = parser.parse_args(argv)

    identity = load_identity()
    nik = identity.clean_number(args.nik)
    problem = identity.nik_problem(nik)
    if problem:
        indonesian, english = NIK_PROBLEMS[problem]
        parser.error(f"--nik: {indonesian} / {english}")
    mine = ticket(args.seed, nik)
    digest = hashlib.sha256()
    position, count, previous, ordered = None, 0, "", True
    with open(args.tickets, "rb") as file:
        for line in file:
            digest.update(line)
            value = line.rstrip(b"\n").decode("ascii")
            count += 1
            ordered = ordered and value > previous
            previous = value
            if value == mine:
                position = count
    commitment_ok = digest.hexdigest() == args.commitment.strip().lower()
    print(f"your ticket:        {mine}")
    print(f"tickets in list:    {count}")
    print(f"commitment matches: {'yes' if commitment_ok else 'NO'}")
    print(f"list sorted:        {'yes' if ordered else 'NO'}")
    print(f"your place:         {position if position else 'not in the list (not eligible?)'}")
    ok = commitment_ok and ordered
    if args.cutoff:
        cutoff = args.cutoff.strip().lower()
        print(f"selected:           {'yes' if mine <= cutoff else 'no'} (cut-off {cutoff})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
