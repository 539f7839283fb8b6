"""Eligibility: what happens to a wave after it closes, and the lists it is screened against.

- `waves`: closing a wave (by staff or at its deadline) and the lottery.
- `lists/`: exclusion lists: reading agency files, keyed digests, the version tables and their loads.
- `screening/`: screening runs and partitions, their SQL and tasks.
- `models/`: ExclusionList (+ bad rows), ScreeningRun, ScreeningPartition, ScreeningHit, ScreeningResult.
- `admin`: waves with their screening and selection; `lists/admin`: list uploads and the NIK look-up.
- `management/commands`: the operators' commands (close_wave, select_awardees, import_exclusions).

The rules are docs/DOMAIN.md's.
"""
