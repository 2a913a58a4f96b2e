"""The French pages: public search, a place's sheet, the département directory."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from pyproj import Geod

from geo_directory.territories.models import Commune
from places.search_results import distance_text

from .factories import make_place

pytestmark = pytest.mark.django_db
GEOD = Geod(ellps="WGS84")


def html(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status
    return response.content.decode()


def result_ids(page):
    return [int(pk) for pk in re.findall(r'data-place-id="(\d+)"', page)]


def result_distances(page):
    return [
        float(km.replace(",", "."))
        for km in re.findall(r'<p class="distance"><strong>([\d,]+) km</strong>', page)
    ]


def test_distance_is_written_the_french_way():
    assert distance_text(1234) == "1,2 km"
    assert distance_text(26_016) == "26,0 km"


def test_empty_search_page_offers_the_form_in_french(client):
    page = html(client, "/lieux/")
    assert "Trouver un lieu d'aide au numérique" in page
    assert "Commune, code postal ou code INSEE" in page
    assert "Autour de moi" in page
    assert "Aide aux démarches administratives" in page and "Ouvert maintenant" in page
    assert '<option value="20" selected>20 km</option>' in page
    assert "cdn" not in page.lower()


def test_search_around_barcelonnette_lists_places_nearest_first_with_a_map(client):
    here = make_place("barcelonnette", "Maison de services de l'Ubaye", dx=0.015)
    page = html(client, "/lieux/?commune=Barcelonnette&rayon=20")
    assert "à moins de 20 km" in page and "de Barcelonnette (04)" in page
    ids = result_ids(page)
    assert here.pk in ids
    distances = result_distances(page)
    assert distances == sorted(distances) and max(distances) <= 20
    # distances are measured from the commune's reference point, as pyproj measures them
    origin = Commune.objects.get(code="04019").reference_point
    expected = GEOD.inv(origin.x, origin.y, here.location.x, here.location.y)[2]
    row = page.split(f'data-place-id="{here.pk}"')[1].split("</li>")[0]
    assert f"<strong>{distance_text(expected)}</strong>" in row
    # the map shows the same places, from vendored assets, tiles from the setting
    markers = [int(pk) for pk in re.findall(r'"placeId": (\d+)', page)]
    assert markers == ids
    assert "/static/vendor/leaflet-1.9.4/leaflet.js" in page
    assert "L.markerClusterGroup" in page
    assert "tile.openstreetmap.fr" in page  # settings.MAP_TILES_URL


def test_search_by_postal_code_insee_code_and_unaccented_name_find_the_same_commune(client):
    for text in ("04000", "04070", "digne les bains", "Digne-les-Bains (04)"):
        page = html(client, f"/lieux/?commune={text}")
        assert "de Digne-les-Bains (04)" in page, text
        assert "à moins de 20 km" in page and '<option value="20" selected>' in page


def test_filters_live_in_the_url_and_narrow_the_list(client):
    free = make_place("gap", "Gratuit à Gap", frais_a_charge=["Gratuit"], horaires="24/7")
    paid = make_place("gap", "Payant à Gap", frais_a_charge=["Payant"], horaires="24/7")
    closed = make_place("gap", "Fermé à Gap", frais_a_charge=["Gratuit"], horaires="off")
    page = html(client, "/lieux/?commune=Gap&rayon=5&frais_a_charge=Gratuit&ouvert_maintenant=on")
    ids = result_ids(page)
    assert free.pk in ids and paid.pk not in ids and closed.pk not in ids
    assert re.search(r'value="Gratuit"[^>]*checked', page)  # the filter shows as ticked
    assert 'Filtrer <span class="filters-count">(2 choisis)</span>' in page


def test_filters_without_a_place_ask_for_one(client):
    page = html(client, "/lieux/?frais_a_charge=Gratuit")
    assert "Indiquez une commune, un code postal ou un code INSEE" in page
    assert "data-place-id" not in page


def test_around_me_uses_the_position(client):
    place = make_place("saint-denis", "Cyber-case de Saint-Denis")
    page = html(client, "/lieux/?lon=55.4481&lat=-20.8823&rayon=5")
    assert "de votre position" in page and result_ids(page)[0] == place.pk


@pytest.mark.parametrize(
    "query, message",
    [
        ("commune=Atlantide", "Aucune commune ne correspond à « Atlantide »"),
        ("lon=nan&lat=44", "Position invalide"),
        ("lon=abc&lat=44", "Position invalide"),
        ("lon=6&lat=95", "Position hors des limites"),
        ("commune=Gap&rayon=7", "Rayon : Sélectionnez un choix valide"),
        ("commune=Gap&services=Vélo", "Services : Sélectionnez un choix valide"),
    ],
)
def test_bad_searches_explain_themselves(client, query, message):
    page = html(client, f"/lieux/?{query}")
    assert message in page
    assert "data-place-id" not in page


def test_pagination_keeps_the_filters(client):
    for index in range(22):
        make_place("briancon", f"Lieu de Briançon {index:02d}", dx=index * 0.001)
    page = html(
        client,
        "/lieux/?commune=Brian%C3%A7on&rayon=5&services=Aide+aux+d%C3%A9marches+administratives",
    )
    assert len(result_ids(page)) == 20
    link = re.search(r'href="\?([^"]+)" rel="next"', page).group(1).replace("&amp;", "&")
    assert "services=" in link and "commune=" in link and link.endswith("page=2")
    second = html(client, "/lieux/?" + link)
    assert len(result_ids(second)) >= 2 and not set(result_ids(second)) & set(result_ids(page))


def test_commune_suggestions(client):
    data = client.get("/lieux/communes/?q=barce").json()["results"]
    assert data[0] == {
        "code": "04019",
        "nom": "Barcelonnette",
        "departement": "04",
        "codes_postaux": ["04400"],
        "label": "Barcelonnette (04)",
    }
    assert client.get("/lieux/communes/?q=04400").json()["results"][0]["nom"] == "Barcelonnette"
    assert client.get("/lieux/communes/?q=x").json() == {"results": []}
    bad = client.get("/lieux/communes/?q=ab%00")
    assert bad.status_code == 400 and list(bad.json()["parameters"]) == ["q"]


def test_place_sheet_in_plain_french(client):
    place = make_place(
        "barcelonnette",
        "Espace France services de l'Ubaye",
        horaires="Mo-Fr 08:30-12:00,13:30-17:00; Sa 09:00-12:00",
        telephone="+33492810000",
        prise_rdv="https://rdv.example.fr/ubaye",
        fiche_acces_libre="https://acceslibre.beta.gouv.fr/app/04-barcelonnette/a/x/erp/y/",
        typologie=["RFS"],
        publics_specifiquement_adresses=["Seniors"],
        modalites_acces=["Se présenter", "Téléphoner"],
        date_maj=timezone.localdate() - timedelta(days=30),
    )
    page = html(client, f"/lieux/{place.pk}/")
    assert "<h1>Espace France services de l&#x27;Ubaye</h1>" in page
    assert '<th scope="row">Lundi</th><td>8 h 30 – 12 h, 13 h 30 – 17 h</td>' in page
    assert '<th scope="row">Samedi</th><td>9 h – 12 h</td>' in page
    assert '<th scope="row">Dimanche</th><td>Fermé</td>' in page
    assert "Prendre rendez-vous en ligne" in page and "https://rdv.example.fr/ubaye" in page
    assert "fiche Acceslibre" in page
    assert "Réseau France Services" in page  # the typologie code, spelled out
    assert "Seniors" in page and "Se présenter, Téléphoner" in page
    assert "Mis à jour le" in page and "plus d'un an" not in page
    assert re.search(r"Fiche complète à \d+ %", page)
    assert "Imprimer la fiche" in page and "@media print" not in page
    assert "/static/vendor/leaflet-1.9.4/leaflet.js" in page


def test_old_data_carries_a_warning(client):
    place = make_place("gap", "Vieille fiche", date_maj=date(2022, 3, 1))
    page = html(client, f"/lieux/{place.pk}/")
    assert "Mis à jour le 1<sup>er</sup> mars 2022" in page
    assert "Informations de plus d'un an" in page


def test_hidden_or_deleted_places_have_no_public_sheet(client):
    hidden = make_place("gap", "Caché", is_visible=False)
    deleted = make_place("gap", "Supprimé", deleted_at=timezone.now())
    html(client, f"/lieux/{hidden.pk}/", status=404)
    html(client, f"/lieux/{deleted.pk}/", status=404)
    assert "Caché" not in html(client, "/lieux/?commune=Gap&rayon=5")


def test_departement_directory_search_filter_sort_and_pages(client):
    today = timezone.localdate()  # the newest date_maj there is (an undated import gets today)
    media = make_place("manosque", "Médiathèque d'Herbès", pivot="21040112000011", date_maj=today)
    page = html(client, "/mon-reseau/04/lieux/")
    assert "Lieux du département : Alpes-de-Haute-Provence" in page
    assert page.count("<tr>") == 1 + 20  # header + 20 per page
    assert 'rel="next"' in page
    for text in ("MEDIATHEQUE herbes", "21040112000011", "04100"):
        found = html(client, f"/mon-reseau/04/lieux/?q={text}&commune=04112")
        assert "Médiathèque d&#x27;Herbès" in found, text
    assert "Médiathèque d&#x27;Herbès" not in html(
        client, "/mon-reseau/04/lieux/?q=herbes&commune=04070"
    )
    newest = html(client, "/mon-reseau/04/lieux/?tri=maj")
    first_row = newest.split("<tbody>")[1].split("</tr>")[0]
    assert f"/lieux/{media.pk}/" in first_row or f"{today:%d/%m/%Y}" in first_row
    html(client, "/mon-reseau/99/lieux/", status=404)
    # refused before the view by geo_directory.middleware.InputValidationMiddleware
    html(client, "/mon-reseau/0%00/lieux/", status=400)
    assert "caractère nul" in html(client, "/mon-reseau/04/lieux/?q=ab%00", status=400)
    assert "caractère nul" in html(client, "/lieux/?commune=Gap%00", status=400)
    bad = html(client, "/mon-reseau/04/lieux/?commune=99999")
    assert "Sélectionnez un choix valide" in bad


def test_other_apps_add_sections_to_the_sheet_without_places_importing_them(client):
    from django.utils.html import format_html

    from places import views

    place = make_place("gap", "Lieu avec médiateurs")

    def mediators(request, shown):
        if shown.pk == place.pk:
            return format_html("<section><h2>Médiateurs</h2><p>{}</p></section>", "Camille")
        return None

    views.register_sheet_section(mediators)
    try:
        assert "<h2>Médiateurs</h2><p>Camille</p>" in html(client, f"/lieux/{place.pk}/")
        other = make_place("gap", "Autre lieu")
        assert "Médiateurs" not in html(client, f"/lieux/{other.pk}/")
    finally:
        views.SHEET_SECTIONS.remove(mediators)


def test_a_hostile_place_name_stays_text_on_the_map(client):
    hostile = "Café `${alert(1)}` <script>alert(2)</script> \\ fin"
    place = make_place("sisteron", hostile)
    for url in ("/lieux/?commune=Sisteron&rayon=5", f"/lieux/{place.pk}/"):
        page = html(client, url)
        script = page[page.index("L.map(") :]
        assert "${" not in script and "alert(1)" in script  # shown, never evaluated
        assert "<script>alert(2)" not in page
        assert "&#96;&#36;{alert(1)}&#96;" in script


def test_a_place_located_only_by_its_commune_says_so(client):
    place = make_place("briancon", "Sans coordonnées", location_precision="commune")
    assert "Position approximative" in html(client, f"/lieux/{place.pk}/")
    page = html(client, "/lieux/?commune=Brian%C3%A7on&rayon=5")
    row = page.split(f'data-place-id="{place.pk}"')[1].split("</li>")[0]
    assert "(position approximative)" in row


@pytest.mark.parametrize(
    "query",
    [
        "",
        "lon=6.23570&lat=44.09250&rayon=50",
        "commune=Gap&rayon=5&ouvert_maintenant=on&frais_a_charge=Gratuit",
        "commune=Gap&ouvert_maintenant=false",
    ],
)
def test_the_search_form_shows_what_was_asked_as_djangos_widgets_would(client, query):
    """The form's inputs are written by the page's template: each equals the form's own widget
    (Django's rendering of the same submission), and the filters' boxes are ticked as asked."""
    from django.test.html import parse_html

    from places.forms import SearchForm

    page = html(client, "/lieux/?" + query)
    data = dict(pair.split("=") for pair in query.split("&")) if query else None
    if data is not None:
        data.setdefault("rayon", "20")  # as the page does for a URL without it
    form = SearchForm(data)
    form.is_valid()
    document = parse_html(page)
    for name in ("lon", "lat", "rayon", "ouvert_maintenant"):
        assert document.count(parse_html(str(form[name]))) == 1, name
    ticked = re.findall(r'name="frais_a_charge" value="([^"]+)" id="[^"]+" checked', page)
    assert ticked == (["Gratuit"] if "Gratuit" in query else [])


def test_a_wrong_radius_is_marked_on_its_input(client):
    page = html(client, "/lieux/?commune=Gap&rayon=7")
    assert re.search(r'<select name="rayon" id="id_rayon" aria-invalid="true">', page)
    assert "selected" not in page.split('name="rayon"')[1].split("</select>")[0]
