from django.urls import path

from nps import views

urlpatterns = [path("nps/", views.nps_home, name="nps")]
