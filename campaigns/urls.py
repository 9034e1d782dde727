from django.urls import path

from campaigns import views

urlpatterns = [path("campaigns/", views.campaign_list, name="campaigns")]
