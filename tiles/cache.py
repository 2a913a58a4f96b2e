"""An in-process cache of rendered tiles, keyed by the published data's version.

A write bumps the version (database triggers), so entries of an older version are never read
again and age out; nothing needs to be deleted explicitly, in any worker.
"""

from django.core.cache.backends.locmem import LocMemCache

TILE_CACHE = LocMemCache(
    "maillage-tiles", {"TIMEOUT": 3600, "OPTIONS": {"MAX_ENTRIES": 20000, "CULL_FREQUENCY": 4}}
)


def tile_key(layer: str, z: int, x: int, y: int, version: int, variant=()) -> str:
    return f"{layer}:{version}:{'-'.join(map(str, variant))}:{z}:{x}:{y}"


def get_or_render(layer, z: int, x: int, y: int, version: int, variant=()) -> tuple[bytes, bool]:
    """(tile bytes, whether it came from the cache)."""
    key = tile_key(layer.name, z, x, y, version, variant)
    data = TILE_CACHE.get(key)
    if data is not None:
        return data, True
    data = layer.render(z, x, y)
    TILE_CACHE.set(key, data)
    return data, False
