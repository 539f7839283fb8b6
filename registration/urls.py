# Routes of the applicant's path; the views are filled in by the foundation issue (#2).
from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import TemplateView

app_name = "registration"
_todo = TemplateView.as_view(template_name="base.html")
urlpatterns = [
    path("", _todo, name="landing"),
    path("daftar/", _todo, name="signup"),
    path("masuk/", auth_views.LoginView.as_view(), name="login"),
    path("keluar/", auth_views.LogoutView.as_view(), name="logout"),
    path("profil/", _todo, name="profile"),
    path("dasbor/", _todo, name="dashboard"),
]
