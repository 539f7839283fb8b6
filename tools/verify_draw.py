#!/usr/bin/env python3
"""Check a Kartu Prakerja draw yourself, with nothing but Python's standard library.

From the public wave page (/gelombang/<number>/) copy the seed, the cut-off ticket and the pool commitment, and
download the ticket list. Then:

    python3 verify_draw.py --seed SEED --nik YOUR_NIK --tickets wave-12-tickets.txt \
        --commitment POOL_COMMITMENT [--cutoff CUTOFF_TICKET]

It prints your ticket (SHA-256 of "SEED:NIK" in lower-case hex), whether the ticket list matches the published
commitment (SHA-256 of the file exactly as downloaded: every eligible ticket sorted, one per line, each line ending
in "\\n"), whether the list is sorted and holds your ticket, your place in it, and whether your ticket is at or
below the cut-off (selected). Exit status 0 when every check passes, 1 otherwise.
"""
from __future__ import annotations

import argparse
import hashlib
import sys


def ticket(seed: str, nik: str) -> str:
    return hashlib.sha256(f"{seed}:{nik}".encode("utf-8")).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", required=True)
    parser.add_argument("--nik", required=True, help="the 16-digit NIK (stays on your computer)")
    parser.add_argument("--tickets", required=True, help="the downloaded ticket list")
    parser.add_argument("--commitment", required=True, help="the published pool commitment")
    parser.add_argument("--cutoff", default="", help="the published cut-off ticket")
    args = parser.parse_args(argv)

    mine = ticket(args.seed, args.nik.strip())
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
