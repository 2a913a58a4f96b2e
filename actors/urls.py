from django.urls import path

from . import api, views, views_team

app_name = "actors"

urlpatterns = [
    path("mon-reseau/", views.network_picker, name="network-picker"),
    path("mon-reseau/<str:code>/", views.network, name="network"),
    path("mon-reseau/<str:code>/acteurs/", views.directory, name="directory"),
    path("acteurs/<int:pk>/", views.actor_detail, name="detail"),
    path("mon-equipe/", views_team.team, name="team"),
    path("mon-equipe/inviter/", views_team.invite, name="invite"),
    path("mon-equipe/retirer/<int:pk>/", views_team.remove, name="remove"),
    path(
        "mon-equipe/invitations/<int:pk>/annuler/",
        views_team.cancel_invitation,
        name="cancel-invitation",
    ),
    path("mon-equipe/export.csv", views_team.export_team, name="export"),
    path("mon-profil/", views_team.profile, name="profile"),
    path("mon-profil/lieux/ajouter/", views_team.add_activity, name="add-activity"),
    path("mon-profil/lieux/<int:pk>/terminer/", views_team.end_activity, name="end-activity"),
    path(
        "mon-profil/invitations/<int:pk>/", views_team.answer_invitation, name="answer-invitation"
    ),
    path("mon-profil/courriel/<str:token>/", views_team.confirm_email, name="confirm-email"),
    path("api/v1/acteurs/", api.ActorList.as_view(), name="api-list"),
    path("api/v1/departements/<str:code>/reseau/", api.NetworkCounts.as_view(), name="api-network"),
]
