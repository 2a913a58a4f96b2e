from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin

from .models import Commune, CommuneAlias, Departement, Region


class MapAdmin(GISModelAdmin):
    gis_widget_kwargs = {"attrs": {"default_zoom": 6, "default_lon": 2.5, "default_lat": 46.6}}


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "nom", "zone")
    search_fields = ("code", "nom")


@admin.register(Departement)
class DepartementAdmin(MapAdmin):
    list_display = ("code", "nom", "region", "zone")
    list_filter = ("zone", "region")
    search_fields = ("code", "nom")


@admin.register(Commune)
class CommuneAdmin(MapAdmin):
    list_display = ("code", "nom", "departement", "population", "area_km2")
    list_filter = ("zone", "departement")
    search_fields = ("code", "nom")
    readonly_fields = ("area_km2", "reference_point", "updated_at")


@admin.register(CommuneAlias)
class CommuneAliasAdmin(admin.ModelAdmin):
    list_display = ("code", "nom", "kind", "current_code")
    list_filter = ("kind",)
    search_fields = ("code", "nom", "current_code")
