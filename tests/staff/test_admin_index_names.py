"""The admin index names the second-factor sections in the reader's language, not "Otp_Totp" / "TOTP devices"."""
import pytest
from django.urls import reverse


@pytest.mark.parametrize(("language", "names", "absent"), [
    ("id", ["Faktor kedua: aplikasi autentikator", "Aplikasi autentikator", "Faktor kedua: kode pemulihan",
            "Set kode pemulihan"], ["Otp_Totp", "Otp_Static", "TOTP devices", "Static devices"]),
    ("en", ["Second factor: authenticator apps", "Authenticator apps", "Second factor: recovery codes",
            "Recovery code sets"], ["Otp_Totp", "Otp_Static", "TOTP devices", "Static devices"]),
])
def test_the_admin_index_names_the_second_factor(client, staff, language, names, absent):
    client.force_login(staff)
    page = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    for name in names:
        assert name in page
    for name in absent:
        assert name not in page
