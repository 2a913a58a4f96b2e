from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from geo_directory import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("connexion/", auth_views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
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
