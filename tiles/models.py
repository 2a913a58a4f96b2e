"""Commune outlines prepared for the vector tiles, one per commune and zoom band.

A low-zoom tile holds thousands of communes: simplifying and projecting their polygons on every
request cost most of a second (issue 12). So PostGIS stores each outline in Web Mercator
(EPSG:3857) once per zoom 0 to 7, simplified to one tile unit of that zoom (``ST_Simplify``,
Douglas-Peucker; an eighth of a screen pixel, migration 0008) and snapped to that zoom's grid
of tile units (4096 per tile), then made valid (``ST_MakeValid``, polygons only, migration
0009: the snap could make an outline cross itself, and a tile's clip of it cover the whole
tile; the crossings it cuts are the only vertices off the grid): a tile of zoom z only maps
its rows to tile coordinates and clips them. Band 8 is the outline unsimplified, for zooms 8
and up (the source has ~60 points a commune: nothing left to simplify there).
Snapping to the grid keeps a border shared by two communes shared where both keep its
vertices.

Kept in sync by triggers on ``territories_commune`` (migration 0005): an insert, a changed
outline, a deletion or a truncation rewrites or removes that commune's rows in the writer's
statement, whatever wrote (the territory import, the ORM, psql). A commune whose outline
vanishes at a zoom (smaller than a tile unit) has no row there, as it had no feature.
"""

from django.contrib.gis.db import models

SIMPLIFIED_ZOOMS = range(0, 8)  # tiles/migrations/0005 says 0 to 7 too
FULL_BAND = 8  # the unsimplified outline, for zooms 8 and more


def band_of(z: int) -> int:
    return min(z, FULL_BAND)


class CommuneTileShape(models.Model):
    """Partitioned by band (one table per zoom band, each with its GiST index): a tile reads
    its band's table only, never the 8 others. Created by migration 0005, not by the ORM."""

    pk = models.CompositePrimaryKey("commune_code", "zoom")
    commune_code = models.CharField("code INSEE", max_length=5)
    zoom = models.PositiveSmallIntegerField("niveau de zoom (8 : 8 et plus)")
    geom = models.MultiPolygonField(srid=3857, spatial_index=False)

    class Meta:
        managed = False
        db_table = "tiles_communetileshape"
        verbose_name = "contour de commune pour les tuiles"
        verbose_name_plural = "contours de communes pour les tuiles"

    def __str__(self):
        return f"{self.commune_code} z{self.zoom}"
