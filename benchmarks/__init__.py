"""Benchmarks: `make bench` and the quick runs (`bench_list_load`, `bench_screening`, `bench_report_csv`).

Each measures a product path on PostgreSQL beside a reference measured in the same run. Kept apart from
the operator commands: the app is installed only where settings.BENCHMARKS is on (development, and
`make bench`), so `manage.py help` in production lists none of them.
"""
