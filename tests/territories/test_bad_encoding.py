"""A territory file holding a byte that is not UTF-8 is refused whole, naming its line, entity
and field (not "position 4727" of a buffer), as place files are."""

import gzip
import json

import pytest
from django.core.management import CommandError, call_command

from geo_directory import demo
from geo_directory.territories.models import Commune

pytestmark = pytest.mark.django_db

COG = str(demo.TERRITORIES / "decoupage-administratif-6.0.0-communes.json.gz")
MENDE = [[[3.45, 44.50], [3.55, 44.50], [3.55, 44.56], [3.45, 44.50]]]
MARVEJOLS = [[[3.25, 44.53], [3.32, 44.53], [3.32, 44.58], [3.25, 44.53]]]


def feature(code, nom, ring):
    return json.dumps(
        {
            "type": "Feature",
            "properties": {"code": code, "nom": nom},
            "geometry": {"type": "Polygon", "coordinates": ring},
        },
        ensure_ascii=False,
    )


def latin1(text: str, word: str) -> bytes:
    """``text`` in UTF-8 but its last ``word`` in Latin-1 (a file edited in another encoding)."""
    cut = text.rindex(word)
    return text[:cut].encode() + word.encode("latin-1") + text[cut + len(word) :].encode()


def test_a_communes_file_with_a_latin1_byte_names_line_entity_and_field(tmp_path):
    text = (
        '{"type": "FeatureCollection", "features": [\n'
        f"{feature('48095', 'Mende', MENDE)},\n"
        f"{feature('48092', 'Marvejols-en-Gévaudan', MARVEJOLS)}\n"
        "]}\n"
    )
    path = tmp_path / "lozere.geojson"
    path.write_bytes(latin1(text, "Gévaudan"))
    with pytest.raises(CommandError) as error:
        call_command("import_territories", "--cog", COG, "--communes", str(path), verbosity=0)
    message = str(error.value)
    assert "lozere.geojson: ligne 3 (entité 1), champ « properties.nom » : octet 0xE9" in message
    assert "UTF-8" in message and "position" not in message
    assert not Commune.objects.in_departement("48").exists()


def test_a_cog_file_with_a_latin1_byte_names_line_record_and_field(tmp_path):
    with gzip.open(COG, "rt", encoding="utf-8") as handle:
        records = json.load(handle)
    records[2]["nom"] += " (Lozère)"
    lines = ",\n".join(json.dumps(r, ensure_ascii=False) for r in records[:3])
    path = tmp_path / "communes.json"
    path.write_bytes(latin1(f"[\n{lines}\n]\n", "Lozère"))
    communes = tmp_path / "vide.geojson"
    communes.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command(
            "import_territories", "--cog", str(path), "--communes", str(communes), verbosity=0
        )
    message = str(error.value)
    assert "communes.json: ligne 4 (enregistrement 2), champ « nom » : octet 0xE8" in message
    assert "position" not in message
