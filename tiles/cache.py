"""Rendered tiles kept in the one cache (``geo_directory.cache``, namespace ``tile``): in the
worker's memory and on the shared disk tier, their bytes counted against both budgets, keyed by
the data's version, the layer's variant (basis, threshold) and the tile."""

from geo_directory import cache

NAMESPACE = "tile"


def get_or_render(layer, z: int, x: int, y: int, version, variant=()) -> tuple[bytes, bool]:
    """(tile bytes, whether it came from the cache); ``version``: ``cache.version()``."""
    return cache.get_or_build(
        NAMESPACE, (version, layer.name, tuple(variant), z, x, y), lambda: layer.render(z, x, y)
    )
