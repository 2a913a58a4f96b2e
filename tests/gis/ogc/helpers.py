"""Helpers of the OGC API tests: GET as JSON, the layer's own Features to compare with."""

import json
from urllib.parse import urlencode

from django.db.models import F

from ogc.layers import LAYERS


def get_json(client, url, status=200, params=None, **headers):
    if params:
        url += ("&" if "?" in url else "?") + urlencode(params)
    response = client.get(url, **headers)
    assert response.status_code == status, response.content[:500]
    return response, json.loads(response.content)


def all_items(client, collection, **params):
    """Every Feature of a collection through OGC paging (limit 10,000)."""
    _, page = get_json(
        client, f"/ogc/collections/{collection}/items", params={"limit": 10000, **params}
    )
    assert page["numberReturned"] == page["numberMatched"] == len(page["features"])
    return page


def layer_features(collection, queryset=None, **options) -> list[dict]:
    """The layer's own Features (its SQL writer, the text every door serves), in id order."""
    layer, writer = LAYERS[collection]
    rows = layer.rows(**options) if queryset is None else queryset
    _, text = writer.page(rows.values(page_id=F(layer.id_path)), options=options)
    return json.loads("[" + text + "]")


def bad_parameter(client, url, parameter, params=None):
    response, body = get_json(client, url, 400, params=params)
    assert response["Content-Type"].startswith("application/json")
    assert body["code"] == "InvalidParameterValue" and body["parameter"] == parameter, body
    assert parameter in body["description"]
    return body
