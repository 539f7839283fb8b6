"""Exclusion lists: load a category's CSV file as a new version, swap it in, look a NIK up.

Modules: `files` (reading a list file, its layout and its lines), `damage` (spreadsheet damage found
over the whole file), `spreadsheets` (.xlsx/.ods read into the same CSV), `reasons` (bad rows masked and
explained), `digests` (keyed digests and binary COPY rows in bulk), `tables` (the version tables and
their SQL), `services` (loads, swaps, confirmations, look-ups: what the admin, commands and tasks call),
`tasks`, `admin`, `forms`.

A load is one ExclusionList row (a version) whose entries live in a table of their own,
`exclusion_list_<id>` (`nik_digest` NOT NULL, unique; `kk_digest` NULL), holding keyed digests only
(HMAC-SHA256 with settings.DIGEST_KEY, first 128 bits, as prakerja.lib.digest computes them for
applicants). The raw NIKs never persist.

How a file goes in (PostgreSQL), in ONE transaction, so that a failure or a killed worker leaves nothing:
0. The whole file is checked first (files.inspect_list_file): its header, its encoding, spreadsheet
   damage (damage.py); a spreadsheet is read into a temporary CSV before (spreadsheets.py).
1. Python streams the file in chunks. A chunk whose every line is a plain valid record (one compiled
   regex over the whole chunk, in C) is taken as it is; any other chunk is parsed line by line with the
   csv module, its bad lines recorded (line number and reason, never the NIK).
2. The good NIKs are digested in Python (precomputed HMAC key states: ~0.6 us a NIK, less than
   PostgreSQL's pgcrypto hmac() plus the text-to-uuid cast), in forked worker processes for a large
   file, and streamed with a binary COPY into the version's fresh, unindexed table while PostgreSQL
   stores the previous chunks. The raw NIKs never reach the database.
3. The primary key (the unique index) is built once, on the filled table. A file with duplicate NIKs
   has their extra lines deleted first (one row per digest: the one with the smallest KK digest when
   any line had one). The digest processes hand back, with each block, the first 8 bytes of every
   digest (8 bytes a row, kept in this process), and a 1-in-256 sample of the digests
   (digests.DigestPool.duplicates_seen) that tells such a file before the key is tried. The repeated
   prefixes are found by a sort in this process (numpy); in SQL one scan of the table, hashed against
   them, picks the few rows that have one, which are compared by their whole digests and the extra
   ones deleted by ctid: no sort of the whole table. Duplicates the sample misses make the key fail,
   and are deleted from the same prefixes then (the slower, rarer path).
4. ANALYZE, then the swap: the category's active version becomes `replaced`, the new one `active`
   (the partial unique constraint allows one active version per category). A load with too many bad
   rows, or much smaller than the list in force, stops before the swap in `needs_confirmation`, its
   table kept, until a staff member confirms it (the swap) or discards it (its table dropped).
   A file with no valid line at all is refused instead of swapped in (its version `failed`, with
   its bad rows): an empty list would exclude nobody of its category from the next screening.
A running screening recorded the versions it started with; their tables are dropped only by
release_unused_list_tables() once no running screening names them.

Progress is written by a small thread on its own connection, since the load's transaction is not
visible until it commits. On SQLite (development, small files) the same service inserts the rows.
"""
