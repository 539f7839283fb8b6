"""Screening a closed wave's registrations against the exclusion lists and the KK rule.

Modules: `services` (runs and partitions: start, claim, run, complete, fail, sweep, progress), `sql` (every
statement of a screening and the lottery's ranking, in one place), `tasks` (thin Celery tasks).
"""
