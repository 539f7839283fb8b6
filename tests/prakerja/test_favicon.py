"""/favicon.ico is answered (browsers ask for it whatever a page links), and every page links the icon."""
from pathlib import Path

import pytest
from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_it_redirects_favicon_ico_to_the_static_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == static("favicon.ico")
    icon = Path(settings.BASE_DIR, "static", "favicon.ico").read_bytes()
    assert icon[:4] == b"\x00\x00\x01\x00" and len(icon) < 2048  # an ICO file, and small


def test_it_links_the_icon_from_every_page(client):
    assert f'<link rel="icon" href="{static("favicon.ico")}"' in client.get(reverse("registration:landing")).content.decode()
