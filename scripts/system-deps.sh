#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Maillage needs, only when something is missing.
# Usage: scripts/system-deps.sh [--with-browser] [--with-bench] [--with-gis]
#   PostgreSQL + PostGIS (server and extension), GDAL (GeoDjango and ogr tools),
#   python3-venv, redis-server (CACHE_URL, tests/scaling); with --with-browser Debian's chromium (browser tests); with --with-bench wrk;
#   with --with-gis Debian's python3-qgis (QGIS headless, the GIS client tests, ~2 min once).
set -euo pipefail

want_browser=0
want_bench=0
want_gis=0
for arg in "$@"; do
  case "$arg" in
    --with-browser) want_browser=1 ;;
    --with-bench) want_bench=1 ;;
    --with-gis) want_gis=1 ;;
    *) echo "usage: $0 [--with-browser] [--with-bench] [--with-gis]" >&2; exit 2 ;;
  esac
done

missing=()
# Read the library cache once: `ldconfig -p | grep -q` fails under pipefail when grep stops early.
libraries=$(ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null || true)
has_library() { grep -q "$1" <<<"$libraries"; }
pg_bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pg_bindir" ] || [ ! -x "$pg_bindir/initdb" ]; then
  missing+=(postgresql)
fi
if ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
  missing+=(postgresql-postgis)
fi
if ! command -v ogrinfo >/dev/null 2>&1 || ! has_library 'libgdal\.so'; then
  missing+=(gdal-bin)
fi
if ! has_library 'libgeos_c\.so'; then
  missing+=(libgeos-c1v5)
fi
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  missing+=(python3-venv)
fi
# Redis: the shared cache of several app servers (CACHE_URL) and the scaling tests' own server.
if ! command -v redis-server >/dev/null 2>&1; then
  missing+=(redis-server)
fi
if [ "$want_browser" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  missing+=(chromium)
fi

if [ "$want_bench" = 1 ] && ! command -v wrk >/dev/null 2>&1; then
  missing+=(wrk)
fi

# QGIS's Python bindings live in the system Python (/usr/bin/python3), not in .venv.
if [ "$want_gis" = 1 ] && ! /usr/bin/python3 -c 'import qgis.core' >/dev/null 2>&1; then
  missing+=(python3-qgis)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Maillage needs these system packages, and this machine has no apt-get to install them:" >&2
  echo "  ${missing[*]}  (PostgreSQL with PostGIS 3, GDAL, python3-venv)" >&2
  echo "Install them with your package manager, then run the command again." >&2
  exit 1
fi
if [ "$(id -u)" = 0 ]; then
  sudo_cmd=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo_cmd=(sudo -n)
elif command -v sudo >/dev/null 2>&1; then
  sudo_cmd=(sudo)
else
  echo "Maillage needs these system packages: ${missing[*]}" >&2
  echo "You are not root and sudo is not available. Ask an administrator to run:" >&2
  echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "==> Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
