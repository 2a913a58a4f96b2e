"""Settings shared by every environment, driven by environment variables.

Local defaults are safe for development: DEBUG off unless asked, the private PostGIS cluster of
``scripts/pg.sh`` on 127.0.0.1:54329 unless ``DATABASE_URL`` says otherwise.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF

from geo_directory.csp import tile_origin as _tile_origin

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")


def private_cluster_port() -> str:
    """The port of the private cluster: PGPORT, else the one scripts/pg.sh recorded, else 54329."""
    if os.environ.get("PGPORT"):
        return os.environ["PGPORT"]
    recorded = BASE_DIR / ".data" / "pgport"
    if recorded.exists() and recorded.read_text().strip().isdigit():
        return recorded.read_text().strip()
    return "54329"


LOCAL_DATABASE_URL = "postgis://postgres@127.0.0.1:{port}/{name}".format(
    port=private_cluster_port(),
    name=os.environ.get("MAILLAGE_DB_NAME", "maillage"),
)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", LOCAL_DATABASE_URL),
        engine="django.contrib.gis.db.backends.postgis",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DATABASES["default"].setdefault("OPTIONS", {})
# Fail fast when PostGIS is unreachable: pages answer 503 within a second or two instead of hanging.
DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 2)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework_gis",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "axes",
    "csp",
    "geo_directory",
    "geo_directory.territories",
    "places",
    "actors",
    "coverage",
    "ogc",
    "tiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Costly kinds of requests one at a time across the workers, refused before any other work
    # (geo_directory/admission.py).
    "geo_directory.admission.CostlyRequestsMiddleware",
    "geo_directory.middleware.DatabaseUnavailableMiddleware",
    # Before CSRF and every view: hostile parameters and path segments are a 400 naming them.
    "geo_directory.middleware.InputValidationMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "geo_directory.compression.GZipExceptRangesMiddleware",
    # Content-Security-Policy (django-csp), then the request's nonce put in the page (cached too).
    "geo_directory.csp.CSPMiddleware",
    "geo_directory.middleware.CSPNonceMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "geo_directory.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "geo_directory.urls"
WSGI_APPLICATION = "geo_directory.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "geo_directory" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "geo_directory.context_processors.site",
                "geo_directory.csp.csp_nonce",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / ".data" / "static"))
STATICFILES_DIRS = [BASE_DIR / "geo_directory" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "geo_directory.static_storage.ManifestStorage"},
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Login throttling (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one username from
# one address, that pair is locked out (429, a French page, no password checked: no PBKDF2 cost)
# for the cool-off time; after LOGIN_ADDRESS_FAILURE_LIMIT failures from one address over any
# usernames, the address is (password spraying; higher, so that a library's shared address is not
# locked by one person's typos). A successful login resets its own username's failures only.
# Admin logins included. geo_directory/auth.py holds the limit and the handler.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_FAILURE_LIMIT = int(os.environ.get("MAILLAGE_LOGIN_FAILURE_LIMIT", "5"))
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("MAILLAGE_LOGIN_ADDRESS_FAILURE_LIMIT", "30"))
AXES_FAILURE_LIMIT = "geo_directory.auth.failure_limit"
AXES_HANDLER = "geo_directory.auth.LoginFailuresHandler"
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("MAILLAGE_LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_DISABLE_ACCESS_LOG = True  # failures are recorded; a row per successful login is not needed
AXES_CLIENT_IP_CALLABLE = "geo_directory.auth.client_ip"
AXES_USERNAME_CALLABLE = "geo_directory.auth.login_username"
TRUSTED_PROXY_COUNT = int(os.environ.get("MAILLAGE_TRUSTED_PROXIES", "0"))


def admin_path(value: str) -> str:
    """``MAILLAGE_ADMIN_PATH`` as a URL prefix: no leading slash, one trailing slash."""
    value = value.strip().strip("/")
    return f"{value}/" if value else "admin/"


ADMIN_PATH = admin_path(os.environ.get("MAILLAGE_ADMIN_PATH", "admin/"))

LOGIN_URL = "login"
# Without a safe `next`, the login view sends each person where their role works
# (actors.landing.landing_url); this is for the others.
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# E-mail (password reset, address confirmation, invitations). Without MAILLAGE_EMAIL_HOST the
# messages are printed on the console (development, demo); tests use Django's locmem outbox.
# In production set MAILLAGE_EMAIL_HOST (and _PORT, _USER, _PASSWORD, _TLS or _SSL, _FROM).
EMAIL_HOST = os.environ.get("MAILLAGE_EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = int(os.environ.get("MAILLAGE_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("MAILLAGE_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("MAILLAGE_EMAIL_PASSWORD", "")
EMAIL_USE_SSL = env_bool("MAILLAGE_EMAIL_SSL", False)
EMAIL_USE_TLS = env_bool("MAILLAGE_EMAIL_TLS", not EMAIL_USE_SSL)  # STARTTLS on 587
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("MAILLAGE_EMAIL_FROM", "Maillage <ne-pas-repondre@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# GDAL < 3.9 cannot block file/network access (gis.W001): the project never hands a
# user-supplied SRS string or raster to GDAL, so that one check is silenced.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# Map tiles: the base layer's URL and attribution are settings (no hard-coded public tile server).
MAP_TILES_URL = os.environ.get(
    "MAP_TILES_URL", "https://{s}.tile.openstreetmap.fr/osmfr/{z}/{x}/{y}.png"
)
MAP_TILES_ATTRIBUTION = os.environ.get(
    "MAP_TILES_ATTRIBUTION",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
)

# Full exports of the published layers, one file per data version (served with byte ranges).
EXPORT_DIR = Path(os.environ.get("MAILLAGE_EXPORT_DIR", BASE_DIR / ".data" / "exports"))
# Where the larger shared open-data files live (tests that need them skip when absent).
SHARED_DATA_DIR = Path(os.environ.get("MAILLAGE_SHARED_DATA", BASE_DIR.parent / "shared" / "data"))
FIXTURES_DIR = BASE_DIR / "fixtures"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "geo_directory.api_errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Maillage API",
    "DESCRIPTION": "Lieux d'inclusion numérique, acteurs et couverture des communes.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc served from our static files (drf-spectacular-sidecar), no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The "type" of our FeatureCollections (geo_directory/api_schema.py) is drf-gis's enum.
    "ENUM_NAME_OVERRIDES": {"GisFeatureCollectionEnum": ["FeatureCollection"]},
    # Refusals answered before any view (middleware 400, admission/database 503) on every
    # operation: geo_directory/api_schema.py.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "geo_directory.api_schema.document_refusals",
    ],
}


# The one cache (geo_directory/cache.py: its docstring is the policy), bounded in bytes: each
# worker's memory (least recently used first out), and "responses", Django's file cache shared by
# the gunicorn workers (a hit never touches PostGIS), bounded in bytes of files on the disk that
# also holds PostGIS. A value over the per-entry limit is stored nowhere. "default" holds no
# answer (Django's own fallback only).
def env_positive(name: str, default: float, unit: str) -> float:
    """A positive number from the environment (``unit`` names it in the error)."""
    text = os.environ.get(name, "").strip()
    try:
        value = float(text) if text else default
    except ValueError:
        value = -1.0
    if not value > 0:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"{name} : un nombre positif de {unit} est attendu ({text!r}).")
    return value


def env_megabytes(name: str, default: float) -> int:
    return int(env_positive(name, default, "mégaoctets") * 2**20)


CACHE_MEMORY_BYTES = env_megabytes("MAILLAGE_CACHE_MEMORY_MB", 64)
CACHE_ENTRY_MAX_BYTES = min(env_megabytes("MAILLAGE_CACHE_ENTRY_MB", 4), CACHE_MEMORY_BYTES // 4)
# Requests whose kind took COSTLY_MS or more to build lately run COSTLY_PER_CLIENT at a time per
# client and COSTLY_CONCURRENCY at a time in all, across the workers; the others are answered
# 503 at once (geo_directory/admission.py; COSTLY_CONCURRENCY 0 turns it off). Vector tiles: a
# budget of TILE_BURST_S seconds of work per client, refilled at TILE_SHARE of a worker.
COSTLY_CONCURRENCY = int(os.environ.get("MAILLAGE_COSTLY_CONCURRENCY", "2"))
COSTLY_PER_CLIENT = max(1, int(os.environ.get("MAILLAGE_COSTLY_PER_CLIENT", "1")))
COSTLY_MS = env_positive("MAILLAGE_COSTLY_MS", 50, "millisecondes")
TILE_BURST_S = env_positive("MAILLAGE_TILE_BURST_S", 15, "secondes")
TILE_SHARE = env_positive("MAILLAGE_TILE_SHARE", 0.5, "workers")
# The installed code's release, in every cache key (geo_directory/cache.py): a deploy never
# serves pages rendered by the previous code. Empty: a hash of the code, computed at start.
RELEASE = os.environ.get("MAILLAGE_RELEASE", "")
# This host's own folder: the file cache (without CACHE_URL) and the admission slots and tile
# budgets (geo_directory/admission.py), which are per host even when the cache is shared.
LOCAL_CACHE_DIR = os.environ.get("MAILLAGE_CACHE_DIR", str(BASE_DIR / ".data" / "cache"))
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "responses": {
        "BACKEND": "geo_directory.cache.BoundedFileCache",
        "LOCATION": LOCAL_CACHE_DIR,
        "TIMEOUT": 24 * 3600,
        "OPTIONS": {"MAX_BYTES": env_megabytes("MAILLAGE_CACHE_DISK_MB", 256)},
    },
}

# Content-Security-Policy (django-csp): scripts and style sheets from the site itself only, inline
# <script> and <style> elements only with the response's nonce (folium's map scripts included,
# see places/maps.py and geo_directory/csp.py); no plugin, no framing by other sites. Style
# *attributes* stay allowed (style-src-attr): Leaflet popups built by folium and the legends'
# colour swatches use them, and a style attribute cannot run code. Map tiles from MAP_TILES_URL's
# host (images for Leaflet, fetches for MapLibre); MapLibre starts its workers from a blob: URL.
_TILES = [origin] if (origin := _tile_origin(MAP_TILES_URL)) else []
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:", *_TILES],
        "connect-src": [SELF, *_TILES],
        "font-src": [SELF, "data:"],
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],
    },
}

CORS_URLS_REGEX = r"^/(api|ogc|tiles)/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}


# --- Past one machine (docs/scaling.md): read replicas and the shared cache -------------------
# DATABASE_REPLICA_URLS: streaming replicas of the primary, comma-separated (replica1, replica2...);
# public GETs read one of them (geo_directory/replicas.py says which requests, read-your-writes
# and the lag limit), every write goes to the primary (geo_directory/db_router.py).
REPLICA_ALIASES = []
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS"), 1):
    _alias = f"replica{_number}"
    DATABASES[_alias] = dj_database_url.parse(
        _url,
        engine="django.contrib.gis.db.backends.postgis",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
    # A replica down is skipped within a second; tests read the primary's test database.
    DATABASES[_alias].setdefault("OPTIONS", {}).setdefault("connect_timeout", 1)
    DATABASES[_alias]["TEST"] = {"MIRROR": "default"}
    REPLICA_ALIASES.append(_alias)
DATABASE_ROUTERS = ["geo_directory.db_router.ReplicaRouter"] if REPLICA_ALIASES else []
if REPLICA_ALIASES:
    _before = "geo_directory.middleware.DatabaseUnavailableMiddleware"
    MIDDLEWARE.insert(
        MIDDLEWARE.index(_before) if _before in MIDDLEWARE else 1,
        "geo_directory.replicas.ReplicaRoutingMiddleware",
    )
REPLICA_MAX_LAG_S = float(os.environ.get("MAILLAGE_REPLICA_MAX_LAG_S", "5"))
REPLICA_HEALTH_S = float(os.environ.get("MAILLAGE_REPLICA_HEALTH_S", "2"))
READ_YOUR_WRITES_S = int(os.environ.get("MAILLAGE_READ_YOUR_WRITES_S", "10"))
# CACHE_URL (redis://host:port/db): the shared tier of the one cache (geo_directory/cache.py) is
# this Redis, for every app server, instead of each host's file cache. Bound its memory in Redis
# itself (maxmemory, maxmemory-policy allkeys-lru).
CACHE_URL = os.environ.get("CACHE_URL", "").strip()
if CACHE_URL:
    CACHES["responses"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CACHE_URL,
        "TIMEOUT": 24 * 3600,
        "KEY_PREFIX": "maillage",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
