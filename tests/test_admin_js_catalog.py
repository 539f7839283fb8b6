"""The admin's JavaScript catalog speaks Indonesian where Django's own leaves strings empty (locale/id/djangojs.po)."""
import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_the_time_zone_note_of_the_date_pickers_is_translated(client, staff):
    client.force_login(staff)
    catalog = client.get(reverse("admin:jsi18n"), HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Catatan: isi waktu dalam zona waktu" in catalog
