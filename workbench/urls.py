from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("sources/", include("sources.urls")),
    path("reviews/", include("claims.publish.urls")),  # public: no sign-in
    path("", include("claims.urls")),
]
