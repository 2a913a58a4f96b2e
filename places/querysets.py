"""Every query on places, chainable: ``Place.objects.public().near(point, radius_m)``.

Distances are metres on the WGS84 ellipsoid: ``location`` is a geography column, filtered with
``dwithin`` (GiST index) and ordered with KNN ``<->``.
"""

from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Distance, GeometryDistance
from django.contrib.gis.measure import D

from . import standard


class PlaceQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def public(self):
        """What the public may see: not deleted and visible."""
        return self.alive().filter(is_visible=True)

    def located(self):
        return self.filter(location__isnull=False)

    def receiving_public(self):
        return self.exclude(modalites_acces__contains=[standard.NO_PUBLIC])

    def in_departement(self, code: str):
        return self.filter(departement_code=code)

    def near(self, point, radius_m: float):
        """Places within ``radius_m`` metres of ``point``, nearest first, with ``distance``."""
        return (
            self.filter(location__dwithin=(point, D(m=radius_m)))
            .annotate(distance=Distance("location", point))
            .order_by(GeometryDistance("location", point), "id")
        )
