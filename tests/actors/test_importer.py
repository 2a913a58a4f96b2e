"""import_actors: validation with line and reason, idempotence, one transaction, report."""

import csv
import importlib.util
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from actors.importers import COLUMNS, ActorImporter
from actors.models import Actor, TeamMembership
from places.importers.demo import PLACE_FILES

from .factories import make_place

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def write_csv(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({name: row.get(name, "") for name in COLUMNS})
    return path


@pytest.fixture
def places():
    return make_place("digne", source_id="dg1"), make_place("sisteron", source_id="st1")


def good_rows():
    return [
        {
            "id": "x-coord",
            "prenom": "Maud",
            "nom": "Coordinatrice",
            "courriel": "maud@example.org",
            "roles": "coordinateur",
            "consentement": "oui",
            "valide": "oui",
            "employeur": "tests-actors:dg1",
            "territoire_departements": "04",
            "territoire_communes": "05120",  # a commune déléguée: resolved to 05001
        },
        {
            "id": "x-med",
            "prenom": "Noé",
            "nom": "Médiateur",
            "courriel": "NOE@example.org",
            "telephone": "04 92 31 00 00",
            "roles": "Médiateur numérique|conseiller_numerique",
            "valide": "oui",
            "lieux_activite": "tests-actors:dg1|tests-actors:st1",
            "debut_activite": "2024-02-01",
            "coordinateur": "x-coord",
        },
    ]


def test_import_creates_cleans_links_and_reimport_changes_nothing(tmp_path, places):
    path = write_csv(tmp_path / "a.csv", good_rows())
    first = ActorImporter(list(csv.DictReader(open(path, encoding="utf-8")))).run()
    assert (first.created, first.updated, first.rejected) == (2, 0, [])
    noe = Actor.objects.get(external_id="x-med")
    assert noe.phone == "+33492310000" and noe.email == "noe@example.org"
    assert noe.visibility_consent is False  # empty consent column: off
    assert noe.roles == ["mediateur", "conseiller_numerique"]
    assert set(noe.activities.current().values_list("place__source_id", flat=True)) == {
        "dg1",
        "st1",
    }
    maud = Actor.objects.get(external_id="x-coord")
    assert list(Actor.objects.team_of(maud)) == [noe]
    assert list(maud.territory_communes.values_list("code", flat=True)) == ["05001"]
    assert any(item["field"] == "telephone" for item in first.cleaned)

    out = tmp_path / "out.txt"
    call_command("import_actors", str(path), stdout=open(out, "w"))
    assert "créés : 0, mis à jour : 0, inchangés : 2, rejetés : 0" in out.read_text()

    rows = good_rows()
    rows[1]["lieux_activite"] = "tests-actors:st1"
    rows[1]["coordinateur"] = ""
    second = ActorImporter(rows).run()
    assert (second.created, second.updated, second.unchanged) == (0, 1, 1)
    assert noe.activities.count() == 2 and noe.activities.current().count() == 1
    assert TeamMembership.objects.filter(member=noe).count() == 1  # ended, kept as history
    assert not Actor.objects.team_of(maud).exists()


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"nom": ""}, "nom", "obligatoire"),
        ({"roles": "chef"}, "roles", "rôle inconnu"),
        ({"courriel": "pas-une-adresse"}, "courriel", "invalide"),
        ({"telephone": "12"}, "telephone", "invalide"),
        ({"consentement": "peut-être"}, "consentement", "oui ou non"),
        ({"debut_activite": "01/02/2024"}, "debut_activite", "AAAA-MM-JJ"),
        ({"debut_activite": "2999-01-01"}, "debut_activite", "futur"),
        ({"lieux_activite": "tests-actors:nope"}, "lieux_activite", "lieu inconnu"),
        ({"territoire_departements": "04"}, "territoire_departements", "coordinateurs"),
    ],
)
def test_bad_rows_are_rejected_with_line_field_and_reason(places, change, field, reason):
    rows = good_rows()
    rows[1].update(change)
    report = ActorImporter(rows).run()
    assert report.created == 1
    (rejected,) = report.rejected
    assert rejected["line"] == 3 and rejected["field"] == field and reason in rejected["reason"]
    assert not Actor.objects.filter(external_id="x-med").exists()


def test_dry_run_writes_nothing_and_a_failure_leaves_the_database_as_it_was(places, monkeypatch):
    before = Actor.objects.count()
    report = ActorImporter(good_rows()).run(dry_run=True)
    assert report.created == 2 and report.dry_run
    assert Actor.objects.count() == before

    def explode(self, *args, **kwargs):
        raise RuntimeError("disque plein")

    monkeypatch.setattr(ActorImporter, "_sync_links", explode)
    with pytest.raises(RuntimeError):
        ActorImporter(good_rows()).run()
    assert Actor.objects.count() == before


def test_command_names_an_unreadable_file(tmp_path):
    missing = tmp_path / "absent.csv"
    with pytest.raises(CommandError, match="absent.csv"):
        call_command("import_actors", str(missing))
    latin = tmp_path / "latin.csv"
    latin.write_bytes("id,prenom,nom,roles\n1,Zoé,Dé,mediateur\n".encode("latin-1"))
    with pytest.raises(CommandError, match="UTF-8"):
        call_command("import_actors", str(latin))
    no_roles = tmp_path / "cols.csv"
    no_roles.write_text("id,prenom,nom\n1,A,B\n", encoding="utf-8")
    with pytest.raises(CommandError, match="roles"):
        call_command("import_actors", str(no_roles))


def test_report_json(tmp_path, places):
    path = write_csv(tmp_path / "a.csv", good_rows())
    call_command(
        "import_actors", str(path), report=str(tmp_path / "r.json"), stdout=open("/dev/null", "w")
    )
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["created"] == 2 and data["rejected"] == []


def test_demo_actors_are_fictional_and_regenerate_identically(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("generate", ROOT / "fixtures/actors/generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    assert [(name, source) for name, source, _ in generate.PLACE_FILES] == [
        pair for pair in PLACE_FILES if pair[0] in {n for n, _, _ in generate.PLACE_FILES}
    ]
    monkeypatch.setattr(generate, "OUTPUT", tmp_path / "again.csv")
    generate.main()
    committed = (ROOT / "fixtures/actors/actors-demo.csv").read_text(encoding="utf-8")
    assert (tmp_path / "again.csv").read_text(encoding="utf-8") == committed
    demo = Actor.objects.filter(external_id__startswith="demo-")
    assert demo.count() == committed.count("\n") - 1
    assert not demo.filter(is_fictional=False).exists()
    assert not demo.exclude(email="").exclude(email__endswith="@example.org").exists()
    assert demo.filter(visibility_consent=False).exists()
    assert demo.filter(roles__contains=["conseiller_numerique"]).exists()
    assert demo.coordinators().count() == 2


def test_an_invalid_utf8_byte_is_named_by_line_and_field(tmp_path):
    """A file saved in Latin-1 from a spreadsheet: refused whole, naming the line and the column
    of the first byte that is not UTF-8 (not its position in a buffer)."""
    text = (
        "id,prenom,nom,roles\n"
        "a-1,Zoé,Durand,mediateur\n"
        '"a-2","Anne\nMarie",Martin,mediateur\n'  # a quoted newline: the file's line 4 follows
        "a-3,Jérôme,Dé,mediateur\n"
    )
    cut = text.index("Dé,")
    path = tmp_path / "latin.csv"
    path.write_bytes(text[:cut].encode() + "Dé".encode("latin-1") + text[cut + 2 :].encode())
    with pytest.raises(CommandError) as error:
        call_command("import_actors", str(path))
    message = str(error.value)
    assert "ligne 5, champ « nom » : octet 0xE9 qui n'est pas de l'UTF-8" in message
    assert "position" not in message
    assert not Actor.objects.filter(external_id__startswith="a-").exists()
