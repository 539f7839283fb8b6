"""Registration: accounts, applicant profiles, waves and registrations.

Sign-up with e-mail verification, the profile (NIK, KK, birth date, phone checked by prakerja.lib.identity),
joining the open wave, the dashboard, the public wave pages, and the demo data (`load_demo`). The Wave model
lives here; its lifecycle after publication is eligibility.waves'.
"""
