"""The authentication backend: Django's ModelBackend, loading the applicant profile with the user."""
from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from registration.models import User


class UserWithApplicantBackend(ModelBackend):
    """Every request's user comes with its applicant profile in the same query (a LEFT JOIN on the one-to-one):
    the applicant's pages, the join above all at the deadline surge, need no query of their own for it.
    `user.applicant` raises Applicant.DoesNotExist for an account without a profile, as before."""

    def get_user(self, user_id):
        try:
            user = User._default_manager.select_related("applicant").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
