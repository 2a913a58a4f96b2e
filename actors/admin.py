"""Staff manage every actor, link, team and invitation here; fictional people are flagged."""

from django.contrib import admin
from django.utils import timezone

from .email_change import claim_invitations
from .models import Activity, Actor, Employment, Invitation, TeamMembership


class ActivityInline(admin.TabularInline):
    model = Activity
    extra = 0
    raw_id_fields = ["place"]
    fields = ["place", "start_date", "end_date"]


class EmploymentInline(admin.TabularInline):
    model = Employment
    extra = 0
    raw_id_fields = ["place"]
    fields = ["place", "start_date", "end_date"]


class MembershipInline(admin.TabularInline):
    model = TeamMembership
    fk_name = "coordinator"
    extra = 0
    autocomplete_fields = ["member"]
    verbose_name = "membre de l'équipe"
    verbose_name_plural = "équipe coordonnée"
    fields = ["member", "start_date", "end_date"]


class DeletedFilter(admin.SimpleListFilter):
    title = "supprimé"
    parameter_name = "supprime"

    def lookups(self, request, model_admin):
        return [("non", "Actifs"), ("oui", "Supprimés")]

    def queryset(self, request, queryset):
        if self.value() == "oui":
            return queryset.filter(deleted_at__isnull=False)
        if self.value() == "non":
            return queryset.filter(deleted_at__isnull=True)
        return queryset


@admin.register(Actor)
class ActorAdmin(admin.ModelAdmin):
    list_display = [
        "last_name",
        "first_name",
        "role_list",
        "visibility_consent",
        "is_validated",
        "is_fictional",
        "deleted_at",
    ]
    list_filter = ["is_validated", "visibility_consent", "is_fictional", DeletedFilter]
    search_fields = ["first_name", "last_name", "email", "search_name", "external_id"]
    readonly_fields = ["created_at", "updated_at", "deleted_at", "pending_email"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["territory_departements"]
    raw_id_fields = ["territory_communes"]
    inlines = [ActivityInline, EmploymentInline, MembershipInline]
    actions = ["validate", "soft_delete"]
    fieldsets = [
        (None, {"fields": ["first_name", "last_name", "roles", "user", "external_id"]}),
        (
            "Contact professionnel",
            {"fields": ["email", "pending_email", "phone", "visibility_consent"]},
        ),
        ("Statut", {"fields": ["is_validated", "is_fictional", "deleted_at"]}),
        (
            "Territoire (coordinateurs)",
            {"fields": ["territory_departements", "territory_communes"]},
        ),
        ("Suivi", {"fields": ["created_at", "updated_at"]}),
    ]

    def save_model(self, request, obj, form, change):
        """An address set by staff is theirs: the invitations sent to it before come to them."""
        super().save_model(request, obj, form, change)
        if "email" in form.changed_data:
            claim_invitations(obj)

    @admin.display(description="rôles")
    def role_list(self, actor):
        label = ", ".join(actor.role_labels())
        return f"{label} (fictif)" if actor.is_fictional else label

    @admin.action(description="Valider les acteurs sélectionnés")
    def validate(self, request, queryset):
        updated = queryset.update(is_validated=True, updated_at=timezone.now())
        self.message_user(request, f"{updated} acteur(s) validé(s).")

    @admin.action(description="Supprimer (suppression douce, historique gardé)")
    def soft_delete(self, request, queryset):
        actors = list(queryset.filter(deleted_at__isnull=True))
        for actor in actors:
            actor.soft_delete()
        self.message_user(request, f"{len(actors)} acteur(s) supprimé(s).")


@admin.register(TeamMembership)
class TeamMembershipAdmin(admin.ModelAdmin):
    list_display = ["member", "coordinator", "start_date", "end_date"]
    list_filter = ["end_date"]
    search_fields = ["member__last_name", "coordinator__last_name"]
    autocomplete_fields = ["member", "coordinator"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "coordinator", "status", "created_at", "responded_at"]
    list_filter = ["status"]
    search_fields = ["email", "coordinator__last_name"]
    autocomplete_fields = ["coordinator", "actor"]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["actor", "place", "start_date", "end_date"]
    search_fields = ["actor__last_name", "place__nom"]
    autocomplete_fields = ["actor"]
    raw_id_fields = ["place"]


@admin.register(Employment)
class EmploymentAdmin(admin.ModelAdmin):
    list_display = ["actor", "place", "start_date", "end_date"]
    search_fields = ["actor__last_name", "place__nom"]
    autocomplete_fields = ["actor"]
    raw_id_fields = ["place"]
