"""Regression corpus (issue 12): hostile values in every path segment and parameter of every
route the URL resolver lists, as a signed-in coordinator (and as staff for the admin): never a
5xx. NUL and control characters, Unicode digits, huge numbers, NaN/inf, empty values, very long
strings, SQL- and HTML-looking strings.

Routes come from the resolver, so a new route is covered by itself (its path segments and the
generic parameters); ``PARAMETERS`` adds each route's own parameters (from the OpenAPI documents
and the forms). Answers that are still 5xx, waiting for a fix in their view, are listed in
``KNOWN_5XX``: the test fails on any other 5xx, and on a listed one that no longer happens.
"""

import traceback
from urllib.parse import quote, urlencode

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from actors.demo import DEMO_ACCOUNTS

pytestmark = pytest.mark.django_db

HOSTILE = [
    "\x00",
    "04\x00",
    "\x1b[31m",
    "\x7f",
    "²",
    "١٢",  # ARABIC-INDIC DIGITS ONE TWO
    "",
    " ",
    "9" * 40,
    "-9" * 20,
    "1e308",
    "1e309",
    "-1e309",
    "NaN",
    "inf",
    "-Infinity",
    "0",
    "-1",
    "0.0000001",
    "1,2,3,4,5",
    "9e99,9e99,9e99,9e99",
    "nan,nan,nan,nan",
    "x" * 1999,
    "x" * 5000,
    "' OR 1=1 --",
    "1; DROP TABLE places_place",
    '"><script>alert(1)</script>',
    "../../../etc/passwd",
    "%",
    "%FF",
    "😀",
    "[]",
    "{}",
]
# One value of each kind: for the generic parameters, and the path segments of costly pages.
SHORT = ["\x00", "²", "", "9" * 40, "1e309", "NaN", "-inf", "-1", "x" * 1999, "' OR 1=1 --"]
# Pages that cost a few hundred milliseconds each (uncached when signed in): their parameters
# get each value all at once (their forms check every field), not one parameter at a time.
EXPENSIVE = {
    "coverage:map",
    "coverage:priorities-csv",
    "coverage:priorities-geojson",
    "actors:directory",
    "actors:profile",
    "actors:team",
    "actors:detail",
    "actors:network",
    "actors:network-picker",
    "places:departement",
    "places:search",
}
# The admin's views are the same for every model: those of one model are fuzzed.
ADMIN_MODELS = ("auth_user_",)
# Parameters read anywhere (pagination, formats, search, redirects): tried on every route.
GENERIC = ["page", "page_size", "format", "f", "q", "next"]
LIST_FIELDS = [
    "services",
    "typologie",
    "publics_specifiquement_adresses",
    "modalites_acces",
    "modalites_accompagnement",
    "frais_a_charge",
    "prise_en_charge_specifique",
    "dispositif_programmes_nationaux",
    "formations_labels",
    "itinerance",
]
OGC_ITEMS = ["limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "filter", "filter-lang"]
OGC_ITEMS += ["sortby", "properties", "id", "nom", "commune", "code_insee", "departement"]
OGC_ITEMS += ["threshold_km", "basis", "covered", "population", "date_maj", "source"]
COVERAGE_FORM = ["seuil", "seuil_libre", "base", "perimetre", "sites", "threshold_km", "basis"]
PARAMETERS = {
    "places:api-list": ["bbox", "near", "radius_km", "departement", "code_insee"]
    + ["ouvert_maintenant", *LIST_FIELDS],
    "places:search": ["commune", "lon", "lat", "rayon", "ouvert_maintenant", *LIST_FIELDS],
    "places:commune-suggestions": ["q", "term"],
    "places:departement": ["commune", "tri"],
    "actors:directory": ["role", "commune", "lieu", "tri"],
    "actors:api-list": ["departement", "lieu", "role"],
    "actors:team": ["perimetre"],
    "coverage:national": ["tri", "ordre", *COVERAGE_FORM],
    "coverage:map": COVERAGE_FORM,
    "coverage:priorities-csv": COVERAGE_FORM,
    "coverage:priorities-geojson": COVERAGE_FORM,
    "coverage:api-communes": ["departement", "threshold_km", "basis", "covered", "bbox"],
    "coverage:api-departements": ["threshold_km", "basis"],
    "coverage:api-departement": ["threshold_km", "basis"],
    "ogc:items": OGC_ITEMS,
    "ogc:item": ["crs"],
    "tiles:tile": ["threshold_km", "basis"],
    "tiles:tilejson": ["threshold_km", "basis"],
    "tiles:map": ["threshold_km", "basis"],
    "admin:auth_user_changelist": ["o", "p", "e", "is_staff__exact", "_changelist_filters"],
}
# Form fields of the POST routes (sent with hostile values, one field at a time).
POST_FIELDS = {
    "login": ["username", "password", "next"],
    "actors:invite": ["actor", "email", "next"],
    "actors:profile": ["first_name", "last_name", "email", "phone", "visibility_consent"],
    "actors:add-activity": ["place", "start_date"],
    "actors:end-activity": ["next"],
    "actors:answer-invitation": ["decision", "answer", "next"],
    "actors:remove": ["next"],
}
# Routes not fuzzed, with the reason.
SKIPPED = {
    "logout": "signs the client out (every later request would be anonymous)",
    "places:export-geojson": "streams the whole directory; takes no parameter",
    "ogc:export-geojson": "streams the whole directory; takes no parameter",
}
# (route name, parameter) -> the traceback line, for the 5xx still to fix in the views.
# Example: ("actors:invite", "next"): "actors/views_team.py:61 NoReverseMatch" (fixed since).
KNOWN_5XX: dict[tuple[str, str], str] = {}


def routes():
    """(name, pattern, callback) of every route, namespaced as in ``reverse``."""

    def walk(resolver, prefix, namespace):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from walk(entry, prefix + str(entry.pattern), ns)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}{entry.name}" if entry.name else f"{namespace}{entry.pattern}"
                yield name, prefix + str(entry.pattern), entry.pattern

    return list(walk(get_resolver(), "", ""))


def sample_kwargs(name: str, pattern) -> dict[str, str]:
    """Real values for a route's path segments, so that the route answers normally."""
    from places.models import Place

    place = str(Place.objects.public().values_list("pk", flat=True).order_by("pk").first())
    values = {
        "code": "04",
        "departement": "04",
        "pk": place,
        "id": "1",
        "collection_id": "communes" if "communes" in name else "lieux",
        "feature_id": place,
        "layer": "communes",
        "z": "8",
        "x": "133",
        "y": "93",
        "object_id": "1",
        "content_type_id": "1",
        "app_label": "auth",
        "url": "inconnu/",
    }
    regex = getattr(pattern, "regex", None)
    names = list(regex.groupindex) if regex is not None else []
    return {key: values.get(key, "1") for key in names}


def build_path(route: str, kwargs: dict[str, str]) -> str | None:
    """The concrete path of a route pattern string (converters and regex groups)."""
    import re

    path = route
    for key, value in kwargs.items():
        encoded = quote(value, safe="").replace("\\", "\\\\")
        path, n = re.subn(r"\(\?P<" + key + r">[^)]*\)", encoded, path)
        if not n:
            path = re.sub(r"<(?:\w+:)?" + key + r">", encoded, path)
    path = path.replace("^", "").replace("$", "").replace("\\.", ".")
    if any(c in path for c in "<>()[]?*+\\"):
        return None
    return "/" + path


def clients():
    username, _, _ = DEMO_ACCOUNTS["demo-001"]
    coordinator = Client(raise_request_exception=False)
    coordinator.force_login(get_user_model().objects.get(username=username))
    staff = Client(raise_request_exception=False)
    staff.force_login(
        get_user_model().objects.create_superuser("corpus-admin", "corpus@example.org", "x")
    )
    return coordinator, staff


def where(response) -> str:
    """The innermost project line of the traceback behind a 5xx."""
    info = getattr(response, "exc_info", None)
    if not info:
        return f"(no exception: status {response.status_code})"
    frames = [
        f
        for f in traceback.extract_tb(info[2])
        if "/site-packages/" not in f.filename
        and "/tests/" not in f.filename
        and not (f.filename.endswith("coverage/signals.py") and f.name == "watch_writes")
    ]
    frame = frames[-1] if frames else traceback.extract_tb(info[2])[-1]
    where_from = f"{frame.filename.rsplit('/work/main/', 1)[-1]}:{frame.lineno}"
    return f"{where_from} {info[0].__name__}: {info[1]}"[:300]


ROUTES = routes()


def test_every_route_is_listed():
    names = {name for name, _, _ in ROUTES}
    assert {"places:api-list", "ogc:items", "tiles:tile", "coverage:map"} <= names
    assert set(PARAMETERS) - names == set(), "PARAMETERS names a route that no longer exists"


@pytest.mark.parametrize("name, route, pattern", ROUTES, ids=[r[0] for r in ROUTES])
def test_no_hostile_value_gets_a_5xx(name, route, pattern):
    if name in SKIPPED:
        pytest.skip(SKIPPED[name])
    model_admin = name.startswith("admin:") and name.count("_") >= 2
    if model_admin and not name.removeprefix("admin:").startswith(ADMIN_MODELS):
        pytest.skip("same ModelAdmin views as admin:auth_user_* and admin:actors_actor_*")
    expensive = name in EXPENSIVE or name.startswith("admin:")
    coordinator, staff = clients()
    client = staff if name.startswith("admin:") or route.startswith("admin/") else coordinator
    kwargs = sample_kwargs(name, pattern)
    base = build_path(route, kwargs)
    assert base is not None, f"cannot build a path for {route}"
    post_fields = POST_FIELDS.get(name)
    failures: dict[tuple[str, str], str] = {}

    def send(label, path, query=None, data=None):
        if data is not None:
            response = client.post(path, data)
        else:
            response = client.get(path + ("?" + urlencode(query) if query else ""))
        if response.status_code >= 500:
            failures.setdefault((name, label), f"{where(response)}  [{path} {query or data}]")

    send("(none)", base)
    for key in kwargs:
        for value in SHORT if expensive else HOSTILE:
            path = build_path(route, {**kwargs, key: value})
            if path:
                send(key, path)
    own = PARAMETERS.get(name, [])
    if expensive:
        for value in HOSTILE:
            send("+".join(GENERIC + own), base, query=dict.fromkeys(GENERIC + own, value))
    else:
        for parameter in GENERIC:
            for value in SHORT:
                send(parameter, base, query={parameter: value})
        for parameter in own:
            for value in HOSTILE:
                send(parameter, base, query={parameter: value})
    for value in HOSTILE if post_fields else []:
        send("+".join(post_fields), base, data=dict.fromkeys(post_fields, value))
    expected = {key: line for key, line in KNOWN_5XX.items() if key[0] == name}
    new = {key: line for key, line in failures.items() if key not in expected}
    fixed = set(expected) - set(failures)
    assert not new, "5xx answers:\n" + "\n".join(f"{k[1]}: {v}" for k, v in new.items())
    assert not fixed, f"fixed, remove from KNOWN_5XX: {sorted(fixed)}"
