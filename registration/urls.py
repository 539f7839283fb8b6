# Routes of the applicant's path. Paths are Indonesian; names are what templates use.
from django.urls import path

from registration import views

app_name = "registration"
urlpatterns = [
    path("", views.landing, name="landing"),
    path("gelombang/<int:number>/", views.wave_detail, name="wave"),
    path("gelombang/<int:number>/gabung/", views.join, name="join"),
    path("gelombang/<int:number>/tiket.txt", views.wave_tickets, name="wave_tickets"),
    path("daftar/", views.signup, name="signup"),
    path("daftar/cek-email/", views.signup_done, name="signup_done"),
    # Before verifikasi/<token>/: "kirim-ulang" would otherwise be read as a token.
    path("verifikasi/kirim-ulang/", views.resend_verification, name="resend_verification"),
    path("verifikasi/<str:token>/", views.verify_email, name="verify_email"),
    path("masuk/", views.LoginView.as_view(), name="login"),
    path("keluar/", views.LogoutView.as_view(), name="logout"),  # POST only (Django 5+)
    path("lupa-sandi/", views.PasswordResetView.as_view(), name="password_reset"),
    path("lupa-sandi/terkirim/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("atur-sandi/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("atur-sandi/selesai/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("profil/", views.profile, name="profile"),
    path("dasbor/", views.dashboard, name="dashboard"),
]
