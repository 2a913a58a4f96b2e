"""The fictional demo actors (fixtures/actors/actors-demo.csv) and their demo login accounts.

Called by ``load_demo`` after the places: the actors refer to demo places by (source, id).
The accounts exist only in a demo database; their passwords are printed on purpose.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from .importers import ActorImporter, read_csv
from .models import Actor

ACTORS_FILE = settings.FIXTURES_DIR / "actors" / "actors-demo.csv"
# external id -> (username, password, what it shows)
DEMO_ACCOUNTS = {
    "demo-001": (
        "coordination-04",
        "maillage-demo-04",
        "coordinateur·rice des Alpes-de-Haute-Provence",
    ),
    "demo-002": ("coordination-05", "maillage-demo-05", "coordinateur·rice des Hautes-Alpes"),
    "demo-003": ("mediateur-demo", "maillage-demo-mediateur", "médiateur (Jean-Pierre Exemplaire)"),
}
DEMO_COORDINATOR = DEMO_ACCOUNTS["demo-001"]


@transaction.atomic
def ensure_accounts() -> list[tuple[str, str, str]]:
    """Create (or repair) the demo login of each demo account; returns (login, password, who)."""
    User = get_user_model()
    created = []
    for external_id, (username, password, label) in DEMO_ACCOUNTS.items():
        actor = Actor.objects.filter(external_id=external_id, is_fictional=True).first()
        if actor is None:
            continue
        user, _ = User.objects.get_or_create(username=username)
        if not user.check_password(password) or user.email != actor.email:
            user.set_password(password)
            user.email = actor.email
            user.first_name, user.last_name = actor.first_name, actor.last_name
            user.save()
        if actor.user_id != user.pk:
            Actor.objects.filter(user=user).exclude(pk=actor.pk).update(user=None)
            actor.user = user
            actor.save(update_fields=["user", "updated_at"])
        created.append((username, password, label))
    return created


def load(stdout) -> None:
    report = ActorImporter(read_csv(ACTORS_FILE)).run()
    stdout.write(report.as_text())
    accounts = ensure_accounts()
    for username, password, label in accounts:
        stdout.write(f"    compte de démonstration {label} : {username} / {password}")
    if accounts:
        username, password, _ = DEMO_COORDINATOR
        stdout.write(
            f"==> Connexion coordinateur de démonstration : identifiant « {username} », "
            f"mot de passe « {password} » (page /connexion/, puis /mon-equipe/)"
        )
