"""JSON API of actors: the public annuaire and a département's network counts.

Only consenting, validated, living actors with a current place of activity or job leave this
API, with their public fields and the ids of their current places of activity.
"""

from django.db.models import Prefetch
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from geo_directory.territories.models import Departement

from .models import Activity, Actor, Role
from .querysets import current_q, network_counts


class ActorSerializer(serializers.ModelSerializer):
    nom = serializers.CharField(source="last_name")
    prenom = serializers.CharField(source="first_name")
    courriel = serializers.CharField(source="email")
    telephone = serializers.CharField(source="phone")
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices))
    lieux_activite = serializers.SerializerMethodField()
    fictif = serializers.BooleanField(source="is_fictional")

    class Meta:
        model = Actor
        fields = [
            "id",
            "prenom",
            "nom",
            "roles",
            "courriel",
            "telephone",
            "lieux_activite",
            "fictif",
        ]

    def get_lieux_activite(self, actor) -> list[int]:
        return sorted(activity.place_id for activity in actor.current_activities)


class ActorPagination(PageNumberPagination):
    """A page that is no page (``page=0``, ``page=abc``, beyond the last) is a 400 naming
    ``page``, as every other refused parameter, not DRF's 404 (the list exists)."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound:
            raw = request.query_params.get(self.page_query_param, "")[:20]
            last = self.django_paginator_class(queryset, self.get_page_size(request)).num_pages
            raise _parameter_error(
                self.page_query_param,
                f"Page inexistante : « {raw} » ; un numéro de page de 1 à {last} est attendu.",
            ) from None


def _parameter_error(name: str, reason: str):
    return ValidationError({name: [reason]})


DEPARTEMENT_CODE = {"type": "string", "pattern": r"^(\d{2}|2[AB]|97\d)$"}
ERRORS = {
    400: OpenApiResponse(
        OpenApiTypes.OBJECT,
        description="Paramètre invalide : le corps nomme le paramètre et la raison.",
        examples=[
            OpenApiExample(
                "Rôle inconnu",
                value={"error": "invalid_parameter", "parameters": {"role": ["Rôle inconnu."]}},
            )
        ],
    ),
    503: OpenApiResponse(OpenApiTypes.OBJECT, description="Base de données indisponible."),
}
FILTERS = [
    OpenApiParameter(
        "departement", DEPARTEMENT_CODE, description="Code du département (04, 05, 974...)."
    ),
    OpenApiParameter("role", str, enum=Role.values, description="Rôle de l'acteur."),
    OpenApiParameter("lieu", int, description="Identifiant d'un lieu d'activité actuel."),
]


@extend_schema(
    summary="Annuaire public des acteurs",
    description="Acteurs ayant consenti à être visibles, validés et actifs, avec les "
    "identifiants de leurs lieux d'activité actuels.",
    parameters=FILTERS,
    responses={200: ActorSerializer(many=True), **ERRORS},
    tags=["acteurs"],
)
class ActorList(ListAPIView):
    serializer_class = ActorSerializer
    pagination_class = ActorPagination
    filter_backends: list = []

    def get_queryset(self):
        params = self.request.query_params
        actors = Actor.objects.public()
        code = params.get("departement")
        if code is not None:
            if not Departement.objects.filter(code=code).exists():
                raise _parameter_error("departement", f"Département inconnu : « {code[:10]} ».")
            actors = actors.in_departement(code)
        else:
            actors = actors.active()
        role = params.get("role")
        if role is not None:
            if role not in Role.values:
                raise _parameter_error(
                    "role", f"Rôle inconnu ; valeurs : {', '.join(Role.values)}."
                )
            actors = actors.with_role(role)
        place = params.get("lieu")
        if place is not None:
            if not (place.isascii() and place.isdigit()):
                raise _parameter_error("lieu", "Identifiant de lieu attendu (entier).")
            actors = actors.working_at(int(place))
        current = Activity.objects.filter(current_q(), place__deleted_at__isnull=True)
        return actors.sorted().prefetch_related(
            Prefetch("activities", queryset=current, to_attr="current_activities")
        )


@extend_schema(
    summary="Mon réseau : les chiffres d'un département",
    responses={
        200: inline_serializer(
            "Reseau",
            {
                "departement": serializers.CharField(),
                "nom": serializers.CharField(),
                "acteurs": serializers.IntegerField(),
                "lieux": serializers.IntegerField(),
                "liens": serializers.DictField(child=serializers.URLField()),
            },
        ),
        404: OpenApiResponse(OpenApiTypes.OBJECT, description="Département inconnu."),
        503: ERRORS[503],
    },
    parameters=[OpenApiParameter("code", DEPARTEMENT_CODE, OpenApiParameter.PATH)],
    tags=["acteurs"],
)
class NetworkCounts(APIView):
    def get(self, request, code):
        departement = Departement.objects.filter(code=code).first()
        if departement is None:
            raise NotFound(f"Département inconnu : « {code[:10]} ».")
        counts = network_counts(code)

        def absolute(path):
            return request.build_absolute_uri(path)

        return Response(
            {
                "departement": departement.code,
                "nom": departement.nom,
                "acteurs": counts["actors"],
                "lieux": counts["places"],
                "liens": {
                    "reseau": absolute(reverse("actors:network", args=[code])),
                    "annuaire_acteurs": absolute(reverse("actors:directory", args=[code])),
                    "acteurs_api": absolute(reverse("actors:api-list") + f"?departement={code}"),
                    "annuaire_lieux": absolute(f"/mon-reseau/{code}/lieux/"),
                    "couverture": absolute(f"/couverture/{code}/"),
                },
            }
        )
