"""What the live server says it has, asked over HTTP as any client would (no ORM).

Every client test compares what its client read with these counts (``numberMatched``), never
with a number written in the test.
"""

import json
import urllib.parse
import urllib.request

# Real places of the demo territory: the town and its COG 2026 INSEE code.
REAL_TOWNS = {"Gap": "05061", "Digne-les-Bains": "04070", "Barcelonnette": "04019"}
DEPARTEMENTS = ("04", "05")
# Around Gap's town hall (lon/lat WGS84): a box a client would draw on the map.
GAP_BBOX = (6.03, 44.52, 6.13, 44.60)


def get(url: str, accept: str = "application/json") -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept})  # noqa: S310 (http only)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def pushed_down(seen: list[tuple[str, str]], collection: str, field: str, value: str) -> bool:
    """Whether a request for ``collection``'s items carried the filter ``field = value``, as a
    query parameter (``?field=value``) or inside a CQL2 ``filter``."""
    for path, query_string in seen:
        if path.rstrip("/").endswith(f"/collections/{collection}/items"):
            params = urllib.parse.parse_qs(query_string)
            if params.get(field) == [value] or any(
                field in text and value in text for text in params.get("filter", [])
            ):
                return True
    return False


def items_requests(seen: list[tuple[str, str]]) -> list[str]:
    """The items requests of ``seen``, as path?query strings (for assertion messages)."""
    return [f"{path}?{query}" for path, query in seen if "/items" in path]


def get_json(url: str) -> dict:
    status, _, body = get(url)
    assert status == 200, f"GET {url} -> {status}: {body[:500]!r}"
    return json.loads(body)


def query(params: dict) -> str:
    return urllib.parse.urlencode(params)


def ogc_matched(base: str, collection: str, **params) -> int:
    """numberMatched of the OGC API items of ``collection`` with ``params`` (asked with limit=1)."""
    url = f"{base}/ogc/collections/{collection}/items?{query({**params, 'limit': 1})}"
    return get_json(url)["numberMatched"]


def api_matched(base: str, **params) -> int:
    """numberMatched of the places API /api/v1/lieux/ with ``params`` (asked with page_size=1)."""
    return get_json(f"{base}/api/v1/lieux/?{query({**params, 'page_size': 1})}")["numberMatched"]


def api_features(base: str, **params) -> list[dict]:
    """Every feature the places API answers for ``params``, following its ``next`` links."""
    url = f"{base}/api/v1/lieux/?{query({**params, 'page_size': 1000})}"
    features = []
    while url:
        page = get_json(url)
        features += page["features"]
        url = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
    return features
