"""Home page, health check, 503 when PostGIS is gone, production settings."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def test_home_lists_demo_departements_in_french(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    for name in ("Alpes-de-Haute-Provence", "Hautes-Alpes", "La Réunion"):
        assert name in html
    assert "198" in html and "162" in html


def test_healthz_reports_postgis_version(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["postgis"].startswith("3.")


class BrokenCursor:
    def __enter__(self):
        raise OperationalError("connection refused")

    def __exit__(self, *exc):
        return False


def test_healthz_is_503_with_json_error_when_database_is_down(client, monkeypatch):
    from geo_directory import views

    monkeypatch.setattr(views.connection, "cursor", lambda: BrokenCursor())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_pages_answer_503_when_database_is_down(client, monkeypatch):
    from geo_directory import views

    def down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(views.Departement.objects, "territory_summary", down)
    monkeypatch.setattr(views.cache, "version", down)  # read before the shared page cache
    response = client.get("/")
    assert response.status_code == 503
    assert "momentanément indisponible" in response.content.decode()
    assert response["Retry-After"] == "5"


def run_production(env_extra, *args):
    dropped = {"DJANGO_SECRET_KEY", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(env_extra, DJANGO_SETTINGS_MODULE="geo_directory.settings.production")
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_secret_key():
    result = run_production({"DATABASE_URL": "postgis://u@127.0.0.1:5432/db"}, "check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set in production" in result.stderr


def test_production_check_deploy_is_clean():
    result = run_production(
        {
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": "postgis://u@127.0.0.1:5432/db",
        },
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "path", ["/api/v1/lieux/pas-un-nombre/", "/api/v1/couverture/departements/XYZ/", "/api/v9/"]
)
def test_unknown_api_paths_are_json_404s(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"] == "not_found"


def test_unknown_pages_are_french_404s(client):
    response = client.get("/nulle-part/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()
