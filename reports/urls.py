from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("gelombang/<int:number>/", views.wave_report, name="wave"),
    path("gelombang/<int:number>/hasil.csv", views.results_csv, name="results_csv"),
    path("gelombang/<int:number>/hasil.xlsx", views.results_xlsx, name="results_xlsx"),
    path("gelombang/<int:number>/ringkasan.csv", views.summary_csv, name="summary_csv"),
    path("gelombang/<int:number>/joki.csv", views.clusters_csv, name="clusters_csv"),
    path("gelombang/<int:number>/joki/<int:cluster>/", views.cluster_members, name="cluster"),
    path("gelombang/<int:number>/kontak.csv", views.contacts_csv, name="contacts_csv"),
    path("gelombang/<int:number>/kontak.xlsx", views.contacts_xlsx, name="contacts_xlsx"),
]
