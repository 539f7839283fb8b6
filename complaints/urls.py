# Placeholder routes, replaced by the complaints issue (#5).
from django.urls import path
from django.views.generic import TemplateView

app_name = "complaints"
urlpatterns = [
    path("", TemplateView.as_view(template_name="complaints/placeholder.html"), name="new"),
    path("waspada/", TemplateView.as_view(template_name="complaints/placeholder.html"), name="warning"),
]
