from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict:
    return {"OFFICIAL_SITE_URL": settings.OFFICIAL_SITE_URL}
