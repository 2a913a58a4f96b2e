"""Local development and demo: safe defaults, the private PostGIS cluster."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DJANGO_DEBUG", False)
# A development-only key; production refuses to start without DJANGO_SECRET_KEY.
SECRET_KEY = SECRET_KEY or "maillage-local-development-key-not-for-production"  # noqa: F405
