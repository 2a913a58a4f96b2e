"""Every query on places, chainable: ``Place.objects.public().near(point, radius_m)``.

Distances are metres on the WGS84 ellipsoid: ``location`` is a geography column, filtered with
``dwithin`` (GiST index) and sorted by the exact distance (KNN ``<->`` only for an unbounded
"nearest"). Bounding boxes are exact lon/lat boxes: ``ST_Intersects(location::geometry,
envelope)``, served by the expression index ``place_location_geom_gist`` (migration 0002).
"""

import unicodedata
from datetime import datetime

from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Distance, GeometryDistance
from django.contrib.gis.geos import Polygon
from django.contrib.gis.measure import D
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db.models import F, Q, Value

from . import standard
from .opening_hours import is_open


class SearchText(models.Func):
    """What a text search reads: name, commune and address, lower case, without accents; the
    exact expression of the trigram index ``place_search_trgm`` (``maillage_unaccent`` is the
    IMMUTABLE ``unaccent`` of territories' migration 0003)."""

    template = "maillage_unaccent(lower(%(expressions)s))"
    arg_joiner = " || ' ' || "
    output_field = models.TextField()

    def __init__(self, **extra):
        super().__init__(F("nom"), F("commune"), F("adresse"), **extra)


def fold(text: str) -> str:
    """Lower case without accents, as ``SearchText`` reads the places."""
    text = unicodedata.normalize("NFKD", (text or "").lower())
    text = "".join(char for char in text if not unicodedata.combining(char))
    return text.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss").strip()


FUZZY_MIN_LENGTH = 4  # shorter words look like too many others


def has_digit(word: str) -> bool:
    """Whether a search word has an ASCII digit (it may begin a SIRET, RNA or postal code)."""
    return any("0" <= char <= "9" for char in word)


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
        # the rows' ids, sifted here: an IN list of every grouped id (7,490 on national data)
        # took seconds to compile and to run
        grouped = groups.representative
        held = [pk for pk in self.order_by().values_list("pk", flat=True) if pk in grouped]
        best: dict[int, int] = {}
        dropped = []
        for pk in sorted(held, key=groups.rank):
            representative = groups.representative[pk]
            if representative in best:
                dropped.append(pk)
            else:
                best[representative] = pk
        return self.exclude(pk__in=dropped) if dropped else self

    def search(self, text: str):
        """Search over name, address, commune (case and accents ignored), SIRET and postal code.

        Every word must be found. When no place holds them all as typed, words with a typo
        count too ("barcelonette", "mediatheque de dign"): trigram word similarity (pg_trgm,
        GIN index ``place_search_trgm``), the most similar first (``search_rank``).

        Every condition on a word is one the trigram index answers (``LIKE '%word%'`` and
        ``%>`` on ``SearchText``), so a search reads the index, never every place: only a word
        with a digit may also begin a SIRET / RNA number (``pivot``) or a postal code, which
        have one (SIRET and postal codes are digits, an RNA number W and digits); such a word
        is matched as typed, without typo tolerance (a typo in a number is another number)."""
        words = [word for word in (text or "").split() if fold(word)][:8]
        if not words:
            return self

        def found(word: str):
            match = Q(_search__contains=fold(word))
            if has_digit(word):
                match |= Q(pivot__startswith=word) | Q(code_postal__startswith=word)
            return match

        exact = self.alias(_search=SearchText())
        for word in words:
            exact = exact.filter(found(word))
        if exact.exists():
            return exact
        fuzzy = self.alias(_search=SearchText())
        rank = Value(0.0)
        for word in words:
            folded = fold(word)
            match = found(word)
            if len(folded) >= FUZZY_MIN_LENGTH and not has_digit(word):
                match |= Q(_search__trigram_word_similar=folded)
                rank = rank + TrigramWordSimilarity(folded, "_search")
            fuzzy = fuzzy.filter(match)
        return fuzzy.annotate(search_rank=rank).order_by("-search_rank", "id")
