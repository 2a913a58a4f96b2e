"""Every query on places, chainable: ``Place.objects.public().near(point, radius_m)``.

Distances are metres on the WGS84 ellipsoid: ``location`` is a geography column, filtered with
``dwithin`` (GiST index) and sorted by the exact distance (KNN ``<->`` only for an unbounded
"nearest"). Bounding boxes are exact lon/lat boxes: ``ST_Intersects(location::geometry,
envelope)``, served by the expression index ``place_location_geom_gist`` (migration 0002).
"""

from datetime import datetime

from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Distance, GeometryDistance
from django.contrib.gis.geos import Polygon
from django.contrib.gis.measure import D
from django.db.models import Q

from . import standard
from .opening_hours import is_open


class AsGeometry(models.Func):
    """``location::geometry``: the exact expression of the index ``place_location_geom_gist``."""

    template = "(%(expressions)s)::geometry"
    output_field = models.GeometryField(srid=4326)


# The standard's list fields a search may filter on, with their allowed values.
LIST_FIELDS = {**standard.VALUE_LISTS, "typologie": tuple(sorted(standard.TYPOLOGIES))}


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

    def in_commune(self, code_insee: str):
        """Places of the current commune ``code_insee`` (COG 2026)."""
        return self.filter(commune_actuelle_id=code_insee)

    def near(self, point, radius_m: float):
        """Places within ``radius_m`` metres of ``point``, nearest first, with ``distance``.

        ``dwithin`` selects the candidates through the GiST index; they are then sorted by their
        exact distance on the ellipsoid. KNN ``<->`` on geography ranks by the *sphere* distance,
        which swaps places whose distances differ by less than ~0.3 % (seen around
        Barcelonnette): the list would then show "12,4 km" above "12,3 km".
        """
        return (
            self.filter(location__dwithin=(point, D(m=radius_m)))
            .annotate(distance=Distance("location", point))
            .order_by("distance", "id")
        )

    def nearest(self, point):
        """Every place, nearest first by KNN ``<->`` (index order, sphere distance)."""
        return self.order_by(GeometryDistance("location", point), "id")

    def in_bbox(self, min_lon: float, min_lat: float, max_lon: float, max_lat: float):
        """Places inside the lon/lat box (edges included), exact, using the geometry index."""
        envelope = Polygon.from_bbox((min_lon, min_lat, max_lon, max_lat))
        envelope.srid = 4326
        return self.alias(_location_geom=AsGeometry("location")).filter(
            _location_geom__intersects=envelope
        )

    def with_any(self, field: str, values):
        """Places whose list field ``field`` holds at least one of ``values``."""
        if field not in LIST_FIELDS:
            raise ValueError(f"{field} is not a list field of the standard")
        values = list(values)
        if not values:
            return self
        return self.filter(**{f"{field}__overlap": values})

    def with_services(self, services):
        """Places offering at least one of ``services`` (values of the standard)."""
        return self.with_any("services", services)

    def open_now(self, at: datetime | None = None):
        """Places whose OSM ``horaires`` say they are open at ``at`` (default: now).

        Each place is judged in its own time zone (Europe/Paris, or the overseas département's).
        Places without readable hours are left out: nobody can say they are open.
        """
        rows = self.exclude(horaires="").values_list("pk", "horaires", "departement_code")
        open_ids = [pk for pk, hours, dep in rows if is_open(hours, dep, at)]
        return self.filter(pk__in=open_ids)

    def one_per_place(self):
        """One row per real place: of the records of one place from several sources
        (``places.same_place``), only the best-ranked one this queryset holds stays, so a
        filter that only one record satisfies still finds the place. Keeps order and
        annotations; two small queries (the groups are cached per data version)."""
        from .same_place import current

        groups = current()
        if not groups.representative:
            return self
        held = self.filter(pk__in=list(groups.representative)).order_by()
        best: dict[int, int] = {}
        dropped = []
        for pk in sorted(held.values_list("pk", flat=True), key=groups.rank):
            representative = groups.representative[pk]
            if representative in best:
                dropped.append(pk)
            else:
                best[representative] = pk
        return self.exclude(pk__in=dropped) if dropped else self

    def search(self, text: str):
        """Case- and accent-insensitive search over name, address, SIRET and postal code."""
        words = (text or "").split()
        queryset = self
        for word in words[:8]:
            queryset = queryset.filter(
                Q(nom__unaccent__icontains=word)
                | Q(adresse__unaccent__icontains=word)
                | Q(commune__unaccent__icontains=word)
                | Q(pivot__startswith=word)
                | Q(code_postal__startswith=word)
            )
        return queryset
