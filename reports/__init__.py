"""Screening reports for PMO staff: /laporan/gelombang/<number>/ and its downloads (CSV, and .xlsx).

Decisions, for staff and operators:

- Permissions: `view_wave_report` opens report pages, `download_wave_report` downloads files,
  `download_contacts` downloads the selected applicants with their contact details (whole NIK, name,
  phone, e-mail; its own permission), and the one personal-data permission (prakerja.lib.privacy,
  `registration.view_full_nik`) may ask for whole NIK, KK, full name and phone. Each also needs
  is_staff; anonymous visitors go to the admin login, everyone else without the permission gets 403.
- Masking: prakerja.lib.privacy's masks (`3201********0001`, `S**** A****`, `+62812****7890`). Whole
  values only when a holder of the personal-data permission asks for them (`?full=1`, the box on the
  page, `--full-nik`): masked is the default even for holders, so an unmasked file is always a
  deliberate, audited choice.
- Audit (reports.AuditEntry, read-only in the admin): every page view, download and command run, with
  who, when, wave, filter, rows and masked or not. A download's entry is written before its first byte
  and completed with the row count when the stream ends. The command records `--by EMAIL` (a staff
  account that must hold the download permission, and the personal-data permission for `--full-nik`)
  or, without it, `command-line:<OS user>`.
- Files are written by prakerja.lib.csvfile: UTF-8 with a BOM, RFC 4180, `,` or `;` (`?sep=;`,
  `--delimiter ';'`), formulas neutralised, NIK/KK/phone cells kept as text (a leading `'` in a CSV,
  text cells in an .xlsx). Result rows and contacts also as .xlsx (at most 1,048,575 rows: filter a
  bigger wave). Headers and status values are in the staff member's language (`--language` on the
  command); reason codes and filter values stay codes.
- Result file columns (English headers) `wave,nik,kk,full_name,province,registered_at,status,reasons,
  selected,rank`; `province` is the name from the NIK's first two digits; `registered_at` is ISO 8601 to
  the second with `+07:00` (WIB); rows in (registered_at, id) order.
- Summary: stored per (screening run, selection) in WaveSummary; small waves are summarised in the
  first request, waves above REPORT_SYNC_MAX_REGISTRATIONS (200,000) by the build_wave_summary task.
- Joki signals: thresholds JOKI_IP_MIN_ACCOUNTS (10), JOKI_DEVICE_MIN_ACCOUNTS (3),
  JOKI_WINDOW_MINUTES (60), JOKI_PHONE_MIN_NUMBERS (5), JOKI_PHONE_SPAN (20); clusters are signals for
  review, never rejections.
"""
