from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from actors.landing import landing_url
from geo_directory import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("connexion/", views.LoginView.as_view(landing=landing_url), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    # Password reset by e-mail, Django's own views (French templates in templates/registration/).
    path("mot-de-passe/oublie/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "mot-de-passe/oublie/envoye/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/nouveau/termine/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(settings.ADMIN_PATH, admin.site.urls),  # MAILLAGE_ADMIN_PATH, "admin/" by default
    path("", include("places.urls")),
    path("", include("actors.urls")),
    path("", include("coverage.urls")),
    path("", include("ogc.api_docs")),
    path("", include("ogc.urls")),
    path("", include("tiles.urls")),
]

# A database outage met outside a view (session, authentication) is a 503, not a 500.
handler500 = "geo_directory.middleware.server_error"

handler404 = "geo_directory.views.not_found"
