"""A headless QGIS session adding Maillage's layers, run by the system Python (python3-qgis).

Usage: QT_QPA_PLATFORM=offscreen /usr/bin/python3 qgis_session.py BASE_URL CHECKS.json OUT.json

Not a test module: QGIS's bindings exist only in Debian's /usr/bin/python3, so
tests/gis/clients/test_qgis.py runs this file in a subprocess and asserts on what it writes.
CHECKS.json says what to look at: for each collection the INSEE codes and départements to
filter on and the attributes to read, and the map views to render from the vector tiles.
OUT.json receives, for every step, what QGIS saw, how long it took (``seconds``), the messages
QGIS logged meanwhile (``log``) and, when QGIS failed, the error (``error``). Every HTTP reply
QGIS received is listed under ``responses`` (url, status, network error).
"""

import json
import sys
import time
import traceback

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsDataSourceUri,
    QgsFeatureRequest,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsMarkerSymbol,
    QgsNetworkAccessManager,
    QgsPointXY,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
    QgsVectorTileBasicRenderer,
    QgsVectorTileBasicRendererStyle,
    QgsVectorTileLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor

WGS84 = QgsCoordinateReferenceSystem("EPSG:4326")
WEB_MERCATOR = QgsCoordinateReferenceSystem("EPSG:3857")
LOG: list[str] = []
RESPONSES: list[dict] = []


def plain(value):
    """A QGIS attribute value as JSON (NULL QVariant -> None, QDate -> ISO string)."""
    if value is None or (hasattr(value, "isNull") and value.isNull()):
        return None
    if hasattr(value, "toString") and not isinstance(value, str):
        return value.toString("yyyy-MM-dd") if type(value).__name__ == "QDate" else str(value)
    return value


def step(function):
    """Run one check: its result, its duration, what QGIS logged and any error."""
    start, first_log = time.monotonic(), len(LOG)
    try:
        result = function()
    except Exception:  # reported to the test, which fails with it
        result = {"error": traceback.format_exc(limit=3)}
    result["seconds"] = round(time.monotonic() - start, 3)
    result["log"] = LOG[first_log:]
    return result


def oapif_layer(url: str, collection: str) -> QgsVectorLayer:
    uri = QgsDataSourceUri()
    uri.setParam("url", url)
    uri.setParam("typename", collection)
    return QgsVectorLayer(uri.uri(False), collection, "OAPIF")


def invalid(layer) -> dict:
    # QGIS 3.22 crashes on error() or dataProvider() of an invalid OAPIF layer: its reasons are
    # in the message log (step() adds it).
    return {"valid": False, "error": f"QGIS found no valid layer at {layer.source()}"}


def oapif(url: str, collection: str, checks: dict) -> dict:
    """Add the OGC API - Features layer as QGIS's "Add WFS / OGC API - Features" dialog does."""
    layer = oapif_layer(url, collection)
    if not layer.isValid():
        return invalid(layer)
    result = {
        "valid": True,
        "feature_count": layer.featureCount(),
        "fields": [field.name() for field in layer.fields()],
        "crs": layer.crs().authid(),
    }
    result["iterated"] = sum(1 for _ in layer.getFeatures())
    by_town = {}
    for code in checks["towns"].values():
        request = QgsFeatureRequest().setFilterExpression(f"\"code_insee\" = '{code}'")
        features = list(layer.getFeatures(request))
        by_town[code] = [
            {name: plain(feature[name]) for name in checks["attributes"]} for feature in features
        ]
    result["by_town"] = by_town
    by_departement = {}
    for code in checks["departements"]:
        request = QgsFeatureRequest().setFilterExpression(f"\"departement\" = '{code}'")
        by_departement[code] = sum(1 for _ in layer.getFeatures(request))
    result["by_departement"] = by_departement
    result["subset"] = {
        code: subset(url, collection, f"\"code_insee\" = '{code}'")
        for code in checks["towns"].values()
    }
    return result


def subset(url: str, collection: str, expression: str) -> dict:
    """The layer filtered as QGIS's "Provider feature filter" (query builder) does: QGIS may
    send it to the server; the items URLs it fetched tell."""
    layer = oapif_layer(url, collection)
    if not layer.isValid():
        return invalid(layer)
    first = len(RESPONSES)
    accepted = layer.setSubsetString(expression)
    count = sum(1 for _ in layer.getFeatures())
    QgsApplication.processEvents()
    urls = [r["url"] for r in RESPONSES[first:] if "/items" in r["url"]]
    return {"accepted": accepted, "iterated": count, "items_urls": urls}


def oapif_landing(url: str) -> dict:
    """The connection as typed by a user, possibly without the landing page's final slash."""
    first = len(RESPONSES)
    layer = oapif_layer(url, "lieux")
    QgsApplication.processEvents()
    result = invalid(layer) if not layer.isValid() else {"valid": True}
    # QNetworkReply error 301 is ProtocolUnknownError (e.g. a relative URL fetched as such).
    result["error"] = f"{result.get('error', '')} after {RESPONSES[first:]}"
    return result


def red_pixels(layer, lon: float, lat: float, half_m: float) -> int:
    """Render ``layer`` around lon/lat (a 256 px square, ``half_m`` metres each side)."""
    centre = QgsCoordinateTransform(WGS84, WEB_MERCATOR, QgsProject.instance()).transform(
        QgsPointXY(lon, lat)
    )
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(WEB_MERCATOR)
    settings.setOutputSize(QSize(256, 256))
    settings.setBackgroundColor(QColor(255, 255, 255))
    x, y = centre.x(), centre.y()
    settings.setExtent(QgsRectangle(x - half_m, y - half_m, x + half_m, y + half_m))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    errors = [error.message for error in job.errors()]
    if errors:
        raise RuntimeError("; ".join(errors))
    image = job.renderedImage()
    count = 0
    for x in range(image.width()):
        for y in range(image.height()):
            color = QColor(image.pixel(x, y))
            count += color.red() > 200 and color.green() < 80 and color.blue() < 80
    return count


def vector_tiles(base: str, views: list[dict]) -> dict:
    """Add the XYZ vector-tile layer, style its points in red and render each view."""
    url = f"{base}/tiles/lieux/{{z}}/{{x}}/{{y}}.pbf"
    layer = QgsVectorTileLayer(f"type=xyz&url={url}&zmin=0&zmax=16", "lieux (tuiles)")
    if not layer.isValid():
        return invalid(layer)
    style = QgsVectorTileBasicRendererStyle("lieux", "lieux", QgsWkbTypes.PointGeometry)
    style.setSymbol(
        QgsMarkerSymbol.createSimple({"color": "255,0,0", "size": "4", "outline_style": "no"})
    )
    renderer = QgsVectorTileBasicRenderer()
    renderer.setStyles([style])
    layer.setRenderer(renderer)
    first = len(RESPONSES)
    rendered = {view["name"]: red_pixels(layer, view["lon"], view["lat"], 5000) for view in views}
    QgsApplication.processEvents()  # the replies' signals cross threads
    tiles = [r for r in RESPONSES[first:] if "/tiles/" in r["url"]]
    return {
        "valid": True,
        "source_type": layer.sourceType(),
        "zoom": [layer.sourceMinZoom(), layer.sourceMaxZoom()],
        "red_pixels": rendered,
        "tiles": tiles,
    }


def export_vsicurl(base: str) -> dict:
    """Add the GeoJSON export as QGIS's "Add vector layer > Protocol HTTP(S)" does."""
    layer = QgsVectorLayer(f"/vsicurl/{base}/api/v1/export/lieux.geojson", "export", "ogr")
    if not layer.isValid():
        return invalid(layer)
    return {
        "valid": True,
        "feature_count": layer.featureCount(),
        "fields": [field.name() for field in layer.fields()],
    }


def record_reply(reply) -> None:
    RESPONSES.append(
        {
            "url": reply.request().url().toString(),
            "status": reply.attribute(0),  # QNetworkRequest.HttpStatusCodeAttribute
            "network_error": int(reply.error()),
        }
    )


def main(base: str, checks_path: str, out_path: str) -> None:
    with open(checks_path) as file:
        checks = json.load(file)
    start = time.monotonic()
    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], True)
    app.initQgis()
    QgsApplication.messageLog().messageReceived.connect(
        lambda message, tag, level: LOG.append(f"{tag}: {message}"[:500])
    )
    QgsNetworkAccessManager.instance().finished.connect(record_reply)
    results = {"qgis_version": Qgis.QGIS_VERSION}
    results["init_seconds"] = round(time.monotonic() - start, 3)
    for collection in ("lieux", "communes"):
        results[f"oapif_{collection}"] = step(
            lambda c=collection: oapif(f"{base}/ogc/", c, checks[c])
        )
    results["oapif_without_slash"] = step(lambda: oapif_landing(f"{base}/ogc"))
    results["vector_tiles"] = step(lambda: vector_tiles(base, checks["views"]))
    results["export_vsicurl"] = step(lambda: export_vsicurl(base))
    QgsApplication.processEvents()
    results["responses"] = RESPONSES
    results["total_seconds"] = round(time.monotonic() - start, 3)
    with open(out_path, "w") as file:
        json.dump(results, file, ensure_ascii=False, indent=1)
    app.exitQgis()


if __name__ == "__main__":
    main(*sys.argv[1:4])
