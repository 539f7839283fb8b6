"""Complaints (pengaduan) from the public about fake websites and joki, and their triage by staff.

The public form with content-checked evidence files, reference look-up, reported targets merged by
address, staff triage with history, and the export for Kominfo.
"""
