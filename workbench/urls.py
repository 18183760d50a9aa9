from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from workbench.health import healthz
from workbench.throttle import throttled

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),  # public: for load balancers
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("sources/", include("sources.urls")),
    path("reviews/", include("claims.publish.urls")),  # public: no sign-in
    path("", include("claims.urls")),
]

# Password reset sends mail: offered only where mail is set up, and throttled per address.
if settings.EMAIL_HOST:
    urlpatterns[1:1] = [
        path(
            "accounts/password_reset/",
            throttled(auth_views.PasswordResetView.as_view(), key="password_reset"),
            name="password_reset",
        ),
        path(
            "accounts/password_reset/done/",
            auth_views.PasswordResetDoneView.as_view(),
            name="password_reset_done",
        ),
        path(
            "accounts/reset/<uidb64>/<token>/",
            throttled(auth_views.PasswordResetConfirmView.as_view(), key="password_reset"),
            name="password_reset_confirm",
        ),
        path(
            "accounts/reset/done/",
            auth_views.PasswordResetCompleteView.as_view(),
            name="password_reset_complete",
        ),
    ]
