from django.urls import path

from claims.publish import views
from claims.publish.feeds import ReviewFeed

app_name = "public"

urlpatterns = [
    path("", views.review_index, name="index"),
    path("feed.atom", ReviewFeed(), name="feed"),
    path("<int:pk>/", views.review_detail, name="detail"),
]
