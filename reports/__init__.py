"""Screening reports for PMO staff: /laporan/gelombang/<number>/ and its CSV downloads.

Decisions, for staff and operators:

- Permissions (on reports.WaveSummary): `view_wave_report` opens report pages, `download_wave_report`
  downloads CSV files, `view_full_nik` may ask for whole NIK, KK, full name and phone. Each also needs
  is_staff; anonymous visitors go to the admin login, everyone else without the permission gets 403.
- Masking: NIK and KK as `3201********0001`; the full name as its first word and the initial of the
  next (`Siti A****`; a one-word name stays whole); phones as `+62812****7890`. Whole values only when a
  holder of `view_full_nik` asks for them (`?full=1`, the box on the page, `--full-nik`): masked is
  the default even for holders, so an unmasked file is always a deliberate, audited choice.
- Audit (reports.AuditEntry, read-only in the admin): every page view, download and command run, with
  who, when, wave, filter, rows and masked or not. A download's entry is written before its first byte
  and completed with the row count when the stream ends. The command records `--by EMAIL` (a staff
  account that must hold the download permission, and `view_full_nik` for `--full-nik`) or, without
  it, `command-line:<OS user>`.
- Result CSV: UTF-8 without BOM, RFC 4180, columns
  `wave,nik,kk,full_name,province,registered_at,status,reasons,selected,rank`; `province` is the name
  from the NIK's first two digits; `registered_at` is ISO 8601 to the second with `+07:00` (WIB); rows in
  (registered_at, id) order.
- Summary: stored per (screening run, selection) in WaveSummary; small waves are summarised in the
  first request, waves above REPORT_SYNC_MAX_REGISTRATIONS (200,000) by the build_wave_summary task.
- Joki signals: thresholds JOKI_IP_MIN_ACCOUNTS (10), JOKI_DEVICE_MIN_ACCOUNTS (3),
  JOKI_WINDOW_MINUTES (60), JOKI_PHONE_MIN_NUMBERS (5), JOKI_PHONE_SPAN (20); clusters are signals for
  review, never rejections.
"""
