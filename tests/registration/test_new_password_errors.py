"""The new-password form (reset link) puts the password rules' errors under the new password, not under
"new password again"; a mismatch stays under "again"."""
import pytest

from registration.forms import NewPasswordForm

pytestmark = pytest.mark.django_db


def test_it_puts_a_weak_new_password_s_errors_under_the_password(applicant):
    form = NewPasswordForm(applicant.user, {"new_password1": "12345678", "new_password2": "12345678"})
    assert not form.is_valid()
    assert form.errors.get("new_password1") and "new_password2" not in form.errors


def test_it_puts_a_mismatch_under_password_again(applicant):
    form = NewPasswordForm(applicant.user, {"new_password1": "kuat-sekali-2026!", "new_password2": "lain-2026!"})
    assert not form.is_valid() and form.has_error("new_password2", "password_mismatch")


def test_it_accepts_a_good_password(applicant):
    form = NewPasswordForm(applicant.user, {"new_password1": "kuat-sekali-2026!", "new_password2": "kuat-sekali-2026!"})
    assert form.is_valid(), form.errors
