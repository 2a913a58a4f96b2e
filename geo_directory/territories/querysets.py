"""Spatial and lookup queries on territories, reused by pages, API, importers and tests."""

from django.contrib.gis.db import models


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
        """Communes whose name, INSEE code or postal code starts with ``text`` (suggestions)."""
        text = text.strip()
        if not text:
            return self.none()
        if text[:2].isdigit() or text[:2].upper() in {"2A", "2B"}:
            postal = models.Func(
                models.F("codes_postaux"),
                models.Value(" "),
                function="array_to_string",
                output_field=models.CharField(),
            )
            return (
                self.annotate(postal_codes_text=postal)
                .filter(
                    models.Q(code__istartswith=text) | models.Q(postal_codes_text__contains=text)
                )
                .order_by("-population", "code")
            )
        return self.filter(nom__unaccent__istartswith=text).order_by("-population", "code")


class CommuneAliasQuerySet(models.QuerySet):
    def current_code(self, code: str) -> str | None:
        """The current commune code for any code the COG knows, or None."""
        code = (code or "").strip().upper()
        return self.filter(code=code).values_list("current_code", flat=True).first()

    def mapping(self) -> dict[str, str]:
        """Every known code -> current commune code, for bulk imports."""
        return dict(self.values_list("code", "current_code"))
