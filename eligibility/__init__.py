"""Eligibility: what happens to a wave after it closes, and the lists it is screened against.

- `waves`: a wave's whole lifecycle: the table of moves and the one writer of its status; create, publish,
  recorded quota/deadline changes, closing (by staff or at its deadline), screening moves, the lottery, and the
  statements staff confirm first.
- `lists/`: exclusion lists: reading agency files, keyed digests, the version tables and their loads.
- `screening/`: screening runs and partitions, their SQL and tasks.
- `models/`: ExclusionList (+ bad rows), ScreeningRun, ScreeningPartition, ScreeningHit, ScreeningResult.
- `admin`: waves with their screening and selection; `lists/admin`: list uploads and the NIK look-up.
- `management/commands`: the operators' commands (create_wave, publish_wave, close_wave, wave_status,
  retry_screening, select_awardees, import_exclusions, lookup_nik).

The rules are docs/DOMAIN.md's.
"""
