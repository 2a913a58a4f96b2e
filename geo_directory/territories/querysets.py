"""Spatial and lookup queries on territories, reused by pages, API, importers and tests."""

import re

from django.contrib.gis.db import models
from django.contrib.postgres.search import TrigramSimilarity

from .names import CODE_RE, LABEL_RE, name_key

# Shorter texts are only matched by their start: their trigrams say little ("ga" ~ anything).
FUZZY_MIN_LENGTH = 4


class DepartementQuerySet(models.QuerySet):
    def with_communes(self):
        return self.filter(communes__isnull=False)

    def containing(self, point):
        return self.filter(geom__intersects=point)

    def territory_summary(self):
        """Départements that have communes loaded, with commune count and population."""
        return (
            self.annotate(
                commune_count=models.Count("communes"),
                population=models.Sum("communes__population"),
            )
            .filter(commune_count__gt=0)
            .order_by("code")
        )


class CommuneQuerySet(models.QuerySet):
    def in_departement(self, code: str):
        return self.filter(departement_id=code)

    def with_geometry(self):
        return self.filter(geom__isnull=False)

    def containing(self, point):
        """Communes whose polygon contains ``point`` (GiST index on ``geom``)."""
        return self.filter(geom__intersects=point)

    def search(self, text: str):
        """Communes whose name, INSEE code or postal code starts with ``text`` (suggestions).

        Names compare by ``name_key`` (case, accents, hyphens ignored) on a prefix index; a full
        postal code uses the GIN index on ``codes_postaux``."""
        text = " ".join((text or "").split())
        if not text:
            return self.none()
        if text[:2].isdigit() or text[:2].upper() in {"2A", "2B"}:
            text = text.upper()
            if len(text) == 5:
                match = models.Q(code=text) | models.Q(codes_postaux__contains=[text])
                return self.filter(match).order_by("-population", "code")
            postal = models.Func(
                models.F("codes_postaux"),
                models.Value(" "),
                function="array_to_string",
                output_field=models.CharField(),
            )
            match = models.Q(code__startswith=text) | models.Q(
                postal_codes_text__regex=r"(^| )" + re.escape(text)
            )
            return (
                self.annotate(postal_codes_text=postal)
                .filter(match)
                .order_by("-population", "code")
            )
        key = name_key(text)
        if not key:
            return self.none()
        starts = models.Q(name_key__startswith=key)
        if len(key) < FUZZY_MIN_LENGTH:
            return self.filter(starts).order_by("-population", "code")
        # Names that start with the text first (most populated first), then names that look
        # like it (pg_trgm ``%``, GIN index), most similar first: "barcelonette" -> Barcelonnette.
        similar = TrigramSimilarity("name_key", key)
        return (
            self.filter(starts | models.Q(name_key__trigram_similar=key))
            .annotate(
                _rank=models.Case(
                    models.When(starts, then=models.Value(2.0)),
                    default=similar,
                    output_field=models.FloatField(),
                )
            )
            .order_by("-_rank", "-population", "code")
        )

    def find(self, text: str):
        """The commune meant by a name, "Name (04)", a postal code or an INSEE code (old codes
        too), the most populated when several match; None when nothing does."""
        from .models import CommuneAlias

        text = " ".join((text or "").split())
        if not text:
            return None
        if CODE_RE.match(text.upper()):
            current = CommuneAlias.objects.current_code(text)
            found = self.filter(code=current).first() if current else None
            return (
                found or self.filter(codes_postaux__contains=[text]).order_by("-population").first()
            )
        communes = self
        label = LABEL_RE.match(text)
        if label:  # a suggestion, "Digne-les-Bains (04)"
            communes = communes.filter(departement_id=label["dep"])
            text = label["nom"]
        key = name_key(text)
        if not key:
            return None
        return (
            communes.filter(name_key=key).order_by("-population").first()
            or communes.filter(name_key__startswith=key).order_by("-population", "code").first()
            or self._most_similar(communes, key)
        )

    @staticmethod
    def _most_similar(communes, key: str):
        """The commune whose name looks most like ``key`` (a typo: "barcelonette"), or None."""
        if len(key) < FUZZY_MIN_LENGTH:
            return None
        return (
            communes.filter(name_key__trigram_similar=key)
            .annotate(_similarity=TrigramSimilarity("name_key", key))
            .order_by("-_similarity", "-population", "code")
            .first()
        )


class CommuneAliasQuerySet(models.QuerySet):
    def current_code(self, code: str) -> str | None:
        """The current commune code for any code the COG knows, or None."""
        code = (code or "").strip().upper()
        return self.filter(code=code).values_list("current_code", flat=True).first()

    def mapping(self) -> dict[str, str]:
        """Every known code -> current commune code, for bulk imports."""
        return dict(self.values_list("code", "current_code"))
