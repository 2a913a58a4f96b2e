"""Import actors from CSV: validation with line and reason, idempotent, one transaction, report.

Columns (header row, ``,``-separated, UTF-8; lists are ``|``-separated; a place is referred to
as ``import_source:source_id``, stable across place imports):

``id`` (required, stable key), ``prenom``, ``nom`` (required), ``courriel``, ``telephone``,
``roles`` (required: ``mediateur``, ``conseiller_numerique``, ``coordinateur``, or their
French labels such as "Conseiller numérique"),
``consentement``, ``valide``, ``fictif`` (``oui``/``non``, default ``non``), ``employeur`` (a
place), ``debut_emploi``, ``lieux_activite`` (places), ``debut_activite``, ``coordinateur``
(the ``id`` of a coordinator in the file or already imported), ``debut_equipe``,
``territoire_departements``, ``territoire_communes`` (INSEE codes).

The file is authoritative for the actors it lists: links it no longer names are ended (kept as
history), missing ones are started. Re-importing the same file changes nothing.
"""

from __future__ import annotations

import csv
import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from geo_directory import phones
from geo_directory.files import DataFileError, open_source, refuse_undecodable
from geo_directory.signals import directory_imported
from geo_directory.territories.models import Commune, CommuneAlias, Departement
from places.models import Place

from .models import Actor, Role, TeamMembership
from .querysets import normalize_name

COLUMNS = [
    "id",
    "prenom",
    "nom",
    "courriel",
    "telephone",
    "roles",
    "consentement",
    "valide",
    "fictif",
    "employeur",
    "debut_emploi",
    "lieux_activite",
    "debut_activite",
    "coordinateur",
    "debut_equipe",
    "territoire_departements",
    "territoire_communes",
]
REQUIRED = ["id", "prenom", "nom", "roles"]
TRUE = {"oui", "o", "true", "vrai", "1", "yes"}
FALSE = {"non", "n", "false", "faux", "0", "no", ""}


class RowError(Exception):
    def __init__(self, field_name, value, reason):
        super().__init__(reason)
        self.field, self.value, self.reason = field_name, value, reason


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    cleaned: list = field(default_factory=list)
    dry_run: bool = False

    def reject(self, line, error: RowError):
        self.rejected.append(
            {"line": line, "field": error.field, "value": error.value, "reason": error.reason}
        )

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "warnings": self.warnings,
            "cleaned": self.cleaned,
            "dry_run": self.dry_run,
        }

    def as_text(self) -> str:
        lines = [
            f"créés : {self.created}, mis à jour : {self.updated}, inchangés : {self.unchanged}, "
            f"rejetés : {len(self.rejected)}, avertissements : {len(self.warnings)}"
            + (" (essai : rien n'est écrit)" if self.dry_run else "")
        ]
        for item in self.cleaned:
            lines.append(f"  nettoyé ligne {item['line']} {item['field']} : {item['note']}")
        for item in self.rejected:
            where = f"ligne {item['line']} {item['field']}={item['value']!r}"
            lines.append(f"  rejeté {where} : {item['reason']}")
        for item in self.warnings:
            lines.append(f"  avertissement ligne {item['line']} : {item['note']}")
        return "\n".join(lines)


def read_csv(path) -> list[dict]:
    """Rows of a CSV file as dicts; a file that is not UTF-8 CSV with a header raises
    ``ValueError`` naming the problem (a byte that is not UTF-8 by its line and column)."""
    rows = []  # (line where the row starts, row)
    try:
        with open_source(path) as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames:
                raise ValueError(f"{path} : fichier vide ou sans ligne d'en-tête.")
            header = dict.fromkeys(reader.fieldnames, "")
            refuse_undecodable(path, [(1, header)], lambda number, line: "ligne 1 (en-tête)")
            missing = [name for name in REQUIRED if name not in reader.fieldnames]
            if missing:
                raise ValueError(f"{path} : colonnes obligatoires absentes : {', '.join(missing)}.")
            start = reader.line_num + 1
            for row in reader:
                rows.append((start, row))
                start = reader.line_num + 1
        refuse_undecodable(
            path,
            ((line, {k: v for k, v in row.items() if isinstance(v, str)}) for line, row in rows),
            lambda number, line: f"ligne {line or number}",
        )
    except DataFileError as error:
        raise ValueError(str(error)) from None
    except csv.Error as error:
        raise ValueError(f"{path} : CSV illisible ({error}).") from None
    return [row for _, row in rows]


def _split(value: str) -> list[str]:
    return [item.strip() for item in (value or "").split("|") if item.strip()]


class ActorImporter:
    """``ActorImporter(rows).run(dry_run=False) -> Report``; rows are dicts (``read_csv``)."""

    def __init__(self, rows: list[dict], *, today: datetime.date | None = None):
        self.rows = rows
        self.today = today or timezone.localdate()
        self.report = Report()

    # -- cleaning and validation -------------------------------------------------------------
    def _bool(self, row, name):
        value = (row.get(name) or "").strip().lower()
        if value in TRUE:
            return True
        if value in FALSE:
            return False
        raise RowError(name, row.get(name), "attendu : oui ou non.")

    def _date(self, row, name):
        value = (row.get(name) or "").strip()
        if not value:
            return None
        try:
            day = datetime.date.fromisoformat(value)
        except ValueError:
            raise RowError(name, value, "date attendue au format AAAA-MM-JJ.") from None
        if day > self.today:
            raise RowError(name, value, "date dans le futur.")
        return day

    def _place(self, name, key):
        if key not in self.places:
            raise RowError(
                name, key, "lieu inconnu (attendu : source:identifiant d'un lieu importé)."
            )
        return self.places[key]

    def _phone(self, line, row, departements):
        """The one phone cleaner (``geo_directory.phones``), read in the plan of the first
        overseas département the person works in, if any."""
        raw = (row.get("telephone") or "").strip()
        overseas = next((d for d in departements if d in phones.REGIONS), "")
        try:
            phone = phones.normalize(raw, overseas)
        except phones.InvalidPhone:
            raise RowError("telephone", raw, "numéro de téléphone invalide.") from None
        if phone != raw:
            self.report.cleaned.append(
                {"line": line, "field": "telephone", "note": f"{raw!r} -> {phone!r}"}
            )
        return phone

    def parse(self, line: int, row: dict) -> dict:
        for name in REQUIRED:
            if not (row.get(name) or "").strip():
                raise RowError(name, row.get(name), "valeur obligatoire manquante.")
        labels = {normalize_name(label): value for value, label in Role.choices}
        roles = [labels.get(normalize_name(role), role.lower()) for role in _split(row["roles"])]
        unknown = [role for role in roles if role not in Role.values]
        if unknown:
            raise RowError("roles", row["roles"], f"rôle inconnu ({', '.join(Role.values)}).")
        email = (row.get("courriel") or "").strip().lower()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise RowError("courriel", email, "adresse électronique invalide.") from None
        activities = [
            self._place("lieux_activite", key) for key in _split(row.get("lieux_activite"))
        ]
        employer_key = (row.get("employeur") or "").strip()
        employer = self._place("employeur", employer_key) if employer_key else None
        departements = [place.departement_code for place in [*activities, employer] if place]
        parsed = {
            "external_id": row["id"].strip(),
            "first_name": row["prenom"].strip(),
            "last_name": row["nom"].strip(),
            "email": email,
            "phone": self._phone(line, row, departements),
            "roles": roles,
            "visibility_consent": self._bool(row, "consentement"),
            "is_validated": self._bool(row, "valide"),
            "is_fictional": self._bool(row, "fictif"),
            "employer": employer,
            "employment_start": self._date(row, "debut_emploi"),
            "activities": activities,
            "activity_start": self._date(row, "debut_activite"),
            "coordinator": (row.get("coordinateur") or "").strip(),
            "team_start": self._date(row, "debut_equipe"),
        }
        codes = _split(row.get("territoire_departements"))
        bad = [code for code in codes if code not in self.departements]
        if bad:
            raise RowError("territoire_departements", "|".join(bad), "département inconnu.")
        communes = []
        for code in _split(row.get("territoire_communes")):
            current = self.aliases.get(code)
            if current not in self.communes:
                raise RowError("territoire_communes", code, "commune inconnue ou non chargée.")
            communes.append(current)
        if (codes or communes) and Role.COORDINATEUR not in roles:
            raise RowError("territoire_departements", "|".join(codes), "réservé aux coordinateurs.")
        parsed["territory_departements"], parsed["territory_communes"] = set(codes), set(communes)
        return parsed

    # -- writing -----------------------------------------------------------------------------
    SCALARS = [
        "first_name",
        "last_name",
        "email",
        "phone",
        "roles",
        "visibility_consent",
        "is_validated",
        "is_fictional",
    ]

    def _sync_links(self, links, wanted: dict, start, target: str, **owner) -> bool:
        """The current links become exactly ``wanted`` (target id -> object): missing ones start,
        the others end today and stay as history."""
        current = {getattr(link, f"{target}_id"): link for link in links.current(self.today)}
        changed = False
        for target_id, link in current.items():
            if target_id not in wanted:
                link.end_date = max(self.today, link.start_date)
                link.save(update_fields=["end_date"])
                changed = True
        for target_id, obj in wanted.items():
            if target_id not in current:
                links.model.objects.create(**owner, **{target: obj}, start_date=start or self.today)
                changed = True
        return changed

    def _write(self, data: dict, actors_by_key: dict) -> tuple[Actor, bool, bool]:
        actor = Actor.objects.filter(external_id=data["external_id"]).first()
        created = actor is None
        if created:
            actor = Actor(external_id=data["external_id"])
        changed = created or any(getattr(actor, name) != data[name] for name in self.SCALARS)
        if changed:
            for name in self.SCALARS:
                setattr(actor, name, data[name])
            actor.full_clean(exclude=["user"])
            actor.save()
        places = {place.pk: place for place in data["activities"]}
        changed |= self._sync_links(
            actor.activities.all(), places, data["activity_start"], "place", actor=actor
        )
        employer = {data["employer"].pk: data["employer"]} if data["employer"] else {}
        changed |= self._sync_links(
            actor.employments.all(), employer, data["employment_start"], "place", actor=actor
        )
        if (
            set(actor.territory_departements.values_list("code", flat=True))
            != data["territory_departements"]
        ):
            actor.territory_departements.set(data["territory_departements"])
            changed = True
        if (
            set(actor.territory_communes.values_list("code", flat=True))
            != data["territory_communes"]
        ):
            actor.territory_communes.set(data["territory_communes"])
            changed = True
        actors_by_key[data["external_id"]] = actor
        return actor, created, changed

    def run(self, *, dry_run: bool = False) -> Report:
        self.report.dry_run = dry_run
        self.places = {
            f"{source}:{source_id}": Place(pk=pk, departement_code=dep)
            for pk, source, source_id, dep in Place.objects.alive().values_list(
                "pk", "import_source", "source_id", "departement_code"
            )
        }
        self.departements = set(Departement.objects.values_list("code", flat=True))
        self.communes = set(Commune.objects.values_list("code", flat=True))
        self.aliases = {code: code for code in self.communes} | CommuneAlias.objects.mapping()
        parsed, seen = [], set()
        for line, row in enumerate(self.rows, start=2):
            try:
                data = self.parse(line, row)
                if data["external_id"] in seen:
                    raise RowError(
                        "id", data["external_id"], "identifiant en double dans le fichier."
                    )
            except RowError as error:
                self.report.reject(line, error)
                continue
            seen.add(data["external_id"])
            parsed.append((line, data))
        with transaction.atomic():
            self._write_all(parsed)
            if dry_run:
                transaction.set_rollback(True)
        directory_imported.send(sender=type(self))  # coverage brings itself up to date
        return self.report

    def _write_all(self, parsed):
        actors, changed_lines = {}, {}
        for line, data in parsed:
            actor, created, changed = self._write(data, actors)
            self.report.created += created
            changed_lines[line] = (created, changed)
        for line, data in parsed:
            member = actors[data["external_id"]]
            key = data["coordinator"]
            coordinator = actors.get(key) or Actor.objects.filter(external_id=key).first()
            if key and (coordinator is None or not coordinator.is_coordinator):
                self.report.warnings.append(
                    {"line": line, "note": f"coordinateur « {key} » inconnu : équipe ignorée."}
                )
                coordinator = None
            wanted = {coordinator.pk: coordinator} if coordinator else {}
            memberships = TeamMembership.objects.filter(member=member)
            if self._sync_links(
                memberships, wanted, data["team_start"], "coordinator", member=member
            ):
                created, _ = changed_lines[line]
                changed_lines[line] = (created, True)
        for created, changed in changed_lines.values():
            if not created:
                self.report.updated += changed
                self.report.unchanged += not changed
