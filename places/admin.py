"""The data keeper decides whether two records are one real place (issue 11 #6).

"Doublons probables" lists the pairs the detection finds (``places.duplicates``) with what was
decided; "Même lieu" or "Lieux distincts" records the decision by the records' stable keys
(``DuplicateDecision``), so it holds after every re-import. Public pages follow at once (the
groups' cache key carries the decisions' stamp).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode

from geo_directory.territories.models import Departement

from . import same_place
from .duplicates import find_duplicates
from .models import DuplicateDecision, Place


def _place_label(place: Place | None, key: tuple[str, str]) -> str:
    if place is None:
        return f"{key[0]}:{key[1]} (absent des données)"
    return f"{place.nom}, {place.adresse} {place.code_postal} {place.commune} ({key[0]}:{key[1]})"


@admin.register(DuplicateDecision)
class DuplicateDecisionAdmin(admin.ModelAdmin):
    list_display = ["pair", "verdict", "decided_by", "decided_at"]
    list_filter = ["verdict"]
    search_fields = ["first_source_id", "second_source_id", "first_source", "second_source"]
    readonly_fields = ["decided_by", "decided_at"]
    fields = [
        ("first_source", "first_source_id"),
        ("second_source", "second_source_id"),
        "verdict",
        "note",
        "decided_by",
        "decided_at",
    ]
    change_list_template = "admin/places/duplicatedecision/change_list.html"

    @admin.display(description="lieux")
    def pair(self, decision: DuplicateDecision) -> str:
        first = (decision.first_source, decision.first_source_id)
        second = (decision.second_source, decision.second_source_id)
        found = {
            (p.import_source, p.source_id): p
            for p in Place.objects.filter(
                import_source__in=[first[0], second[0]], source_id__in=[first[1], second[1]]
            )
        }
        labels = (_place_label(found.get(key), key) for key in (first, second))
        return " / ".join(labels)

    def save_model(self, request, obj, form, change):
        keys = DuplicateDecision.ordered(
            (obj.first_source, obj.first_source_id), (obj.second_source, obj.second_source_id)
        )
        for name, value in keys.items():
            setattr(obj, name, value)
        obj.decided_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self):
        review = self.admin_site.admin_view(self.review_view)
        return [
            path("doublons/", review, name="places_duplicatedecision_review"),
            *super().get_urls(),
        ]

    def review_view(self, request):
        """The likely pairs, with their decision, and the two buttons to decide."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            return self._decide(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "POST"])
        return self._review_page(request)

    def _review_page(self, request):
        code = request.GET.get("departement", "").strip().upper()
        departements = Departement.objects.with_communes().distinct().order_by("code")
        if code and not departements.filter(code=code).exists():
            messages.error(request, f"Département « {code[:5]} » inconnu : tous sont affichés.")
            code = ""
        pairs = find_duplicates(departement=code or None)
        ids = {pk for pair in pairs for pk in (pair.first_id, pair.second_id)}
        places = {p.pk: p for p in Place.objects.filter(pk__in=ids)}
        decisions = {
            (d.first_source, d.first_source_id, d.second_source, d.second_source_id): d
            for d in DuplicateDecision.objects.select_related("decided_by")
        }
        groups = same_place.current()
        rows = []
        for pair in pairs:
            first, second = places[pair.first_id], places[pair.second_id]
            keys = DuplicateDecision.ordered(
                (first.import_source, first.source_id), (second.import_source, second.source_id)
            )
            rows.append(
                {
                    "pair": pair,
                    "first": first,
                    "second": second,
                    "decision": decisions.get(tuple(keys.values())),
                    "shown_as_one": groups.representative.get(first.pk) is not None
                    and groups.representative.get(first.pk) == groups.representative.get(second.pk),
                }
            )
        pending = sum(1 for row in rows if row["decision"] is None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Doublons probables entre sources",
            "rows": rows,
            "pending": pending,
            "departements": departements,
            "departement": code,
            "can_decide": self.has_add_permission(request) and self.has_change_permission(request),
        }
        return TemplateResponse(request, "admin/places/duplicatedecision/review.html", context)

    @staticmethod
    def _back(request, anchor: str = "") -> HttpResponseRedirect:
        url = reverse("admin:places_duplicatedecision_review")
        code = request.POST.get("departement", "")
        if code:
            url += "?" + urlencode({"departement": code})
        return HttpResponseRedirect(url + (f"#{anchor}" if anchor else ""))

    def _decide(self, request):
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        verdict = request.POST.get("verdict")
        first_id, second_id = request.POST.get("first", ""), request.POST.get("second", "")
        if verdict not in DuplicateDecision.Verdict.values:
            messages.error(request, "Décision inconnue : « même lieu » ou « lieux distincts ».")
            return self._back(request)
        readable = all(i.isascii() and i.isdigit() and len(i) < 12 for i in (first_id, second_id))
        if not readable or first_id == second_id:
            messages.error(request, "Paire de lieux illisible : rien n'a été enregistré.")
            return self._back(request)
        first = get_object_or_404(Place, pk=int(first_id))
        second = get_object_or_404(Place, pk=int(second_id))
        decision = DuplicateDecision.record(first, second, verdict, user=request.user)
        messages.success(
            request,
            f"« {first.nom} » ({first.import_source}) et « {second.nom} » "
            f"({second.import_source}) : {decision.get_verdict_display()}.",
        )
        return self._back(request, anchor=f"paire-{first.pk}-{second.pk}")
