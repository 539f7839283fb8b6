"""Routes of the surge benchmark's reference views; included by prakerja/urls.py only when the benchmarks app
is installed (BENCHMARKS=True), so production serves none of them."""
from django.urls import path

from benchmarks import views

app_name = "benchmarks"
urlpatterns = [
    path("trivial/", views.trivial, name="trivial"),
    path("insert/", views.insert_one_row, name="insert"),
]
