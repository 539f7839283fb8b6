"""Staff access: the second factor (TOTP with recovery codes, django-otp) every staff member signs in with, the
staff roles (groups created by a migration), and the audit of searches for personal data."""
