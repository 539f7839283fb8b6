from django.urls import path

from aftercare import views

app_name = "aftercare"
urlpatterns = [
    path("sanggahan/<int:number>/", views.appeal, name="appeal"),
    path("helpdesk/", views.helpdesk_view, name="helpdesk"),
]
