"""Journey 4 of ../shared/JOURNEYS.md, a mediator: Jean-Pierre Exemplaire (the demo mediator of
Peyruis) logs in, completes his profile (his phone as he dials it, "04 65 70 00 03") and agrees
to be shown, adds a place where he works (one with no mediator yet, in a commune nobody covers),
finds himself on its public sheet, sees the coverage of Alpes-de-Haute-Provence count one more
mediation point and that commune covered, then ends the activity (asked first) and sees the
coverage as it was, the place kept in his history.

Everything the journey writes is put back (his profile, the activities it added), after each
width and at the end of the module: the session's demo data is shared by the whole suite."""

import re
import threading

import pytest
from django.db import connection
from django.utils import timezone

from actors.models import Actor
from coverage.models import DEFAULT_THRESHOLD_KM, Basis, CommuneCoverage
from coverage.querysets import mediation_points
from geo_directory import dates

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PHONE = "04 65 70 00 03"  # as he dials it; stored +33465700003, shown the same way
POINTS = re.compile(r"(\d+) points? de médiation affichés?")


def _saved_state() -> dict:
    actor = Actor.objects.get(external_id="demo-003")
    return {
        "pk": actor.pk,
        "fields": {f: getattr(actor, f) for f in ("first_name", "last_name", "phone")}
        | {"visibility_consent": actor.visibility_consent},
        "activities": set(actor.activities.values_list("pk", flat=True)),
    }


def _put_back(state: dict) -> None:
    """On a connection of its own (the test's is inside a transaction that is rolled back),
    so what the live server wrote is undone for good; the coverage follows the writes."""

    def run():
        try:
            actor = Actor.objects.get(pk=state["pk"])
            actor.activities.exclude(pk__in=state["activities"]).delete()
            Actor.objects.filter(pk=actor.pk).update(**state["fields"])
        finally:
            connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()


@pytest.fixture(scope="module")
def mediator(demo_server, django_db_blocker):
    """The demo mediator as found, and places he may add where no mediator works and whose
    commune is uncovered at the default threshold (so the coverage visibly changes)."""
    with django_db_blocker.unblock():
        state = _saved_state()
        mediated = mediation_points(Basis.MEDIATORS).values("pk")
        uncovered = (
            CommuneCoverage.objects.for_basis(Basis.MEDIATORS)
            .filter(commune__departement_id="04", has_place_inside=False)
            .filter(distance_m__gt=DEFAULT_THRESHOLD_KM * 1000)
            .values("commune_id")
        )
        state["candidates"] = set(
            mediation_points(Basis.PLACES)
            .filter(departement_code="04", commune_actuelle_id__in=uncovered)
            .exclude(pk__in=mediated)
            .values_list("pk", flat=True)
        )
    assert state["candidates"], "no place of 04 without a mediator in an uncovered commune"
    yield state
    with django_db_blocker.unblock():
        _put_back(state)


def submit(w, button):
    """A tap (phone) or click on a form's button, and the page it leads to."""
    with w.page.expect_navigation():
        w.press(button)


def coverage_figures(w) -> tuple[int, int]:
    """(mediation points shown, uncovered communes) on the coverage page of 04."""
    page = w.page
    page.goto(f"{w.server}/couverture/04/")
    shown = POINTS.search(" ".join(page.locator(".coverage-layout").inner_text().split()))
    assert shown, "the coverage page does not say how many mediation points it shows"
    return int(shown[1]), w.number("#uncovered-communes")


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_mediator_lists_a_new_place_then_leaves_it(walk, server, no_tiles, mediator, viewport):
    """The whole journey on a computer; on a phone the same forms and pages (laid out for it,
    tapped), the coverage figures being the same at any width."""
    w = walk("mediator", viewport)
    w.server = server
    try:
        walk_the_journey(w, mediator, coverage=not w.phone)
    finally:
        _put_back(mediator)


def walk_the_journey(w, mediator, coverage: bool):
    page, server = w.page, w.server
    log_in(page, server, "demo-003")
    if coverage:
        points_before, uncovered_before = coverage_figures(w)

    # 1. his profile: the phone as he dials it, his consent to be shown
    page.goto(f"{server}/mon-profil/")
    assert page.locator("h1").inner_text() == "Mon profil"
    page.get_by_label("Téléphone professionnel").fill(PHONE)
    page.get_by_label("Accepte d'être visible du public").check()
    submit(w, page.get_by_role("button", name="Enregistrer"))
    assert "Votre profil est enregistré." in page.locator(".messages").first.inner_text()
    assert page.get_by_label("Téléphone professionnel").input_value() == PHONE  # not "+33465700003"
    assert page.get_by_label("Accepte d'être visible du public").is_checked()
    page.locator("#identite").scroll_into_view_if_needed()
    w.shot("profile-saved")
    w.axe()

    # 2. a place where he works: one with no mediator yet
    options = page.locator("#lieux select[name=place] option")
    values = [v for v in options.evaluate_all("os => os.map(o => o.value)") if v]
    chosen = next((int(v) for v in values if int(v) in mediator["candidates"]), None)
    assert chosen, "the list of places offers no place without a mediator"
    name = page.locator(f"#lieux select[name=place] option[value='{chosen}']").inner_text()
    page.locator("#lieux select[name=place]").select_option(str(chosen))
    submit(w, page.locator("#lieux").get_by_role("button", name="Ajouter"))
    assert "#lieux" in page.url  # back where he was, the message there
    lieux = page.locator("#lieux")
    assert "ajouté à vos lieux d'activité" in lieux.locator(".section-messages").inner_text()
    row = page.locator("#current-activities tbody tr").filter(has_text=name.split(" (")[0])
    assert row.count() == 1
    w.shot("place-added")

    # 3. the place's public sheet lists him, with his phone as people write it
    page.goto(f"{server}/lieux/{chosen}/")
    people = page.locator("section.place-mediators")
    people.scroll_into_view_if_needed()
    listed = " ".join(people.inner_text().split())
    assert "Jean-Pierre Exemplaire" in listed
    assert f"Téléphone : {PHONE}" in listed
    assert f"ici depuis le {dates.long_date(timezone.localdate())}" in listed, listed
    w.shot("place-sheet-lists-him")
    w.axe()

    # 4. the coverage of 04 counts one more mediation point, and the commune is covered
    if coverage:
        points_with, uncovered_with = coverage_figures(w)
        assert points_with == points_before + 1
        assert uncovered_with < uncovered_before
        page.locator(".map-frame").scroll_into_view_if_needed()
        w.shot("coverage-one-more-point")
        w.axe()

    # 5. he leaves the place: "Terminer", asked first
    page.goto(f"{server}/mon-profil/#lieux")
    row = page.locator("#current-activities tbody tr").filter(has_text=name.split(" (")[0])
    submit(w, row.get_by_role("link", name=re.compile("^Terminer")))
    question = page.locator("h1").inner_text()
    assert question.startswith("Terminer votre activité à ")
    assert question.endswith("\u202f?")  # a narrow no-break space: the "?" never wraps alone
    w.shot("end-asked-first")
    w.axe()
    submit(w, page.get_by_role("button", name="Terminer l'activité"))
    assert "terminée (gardée dans l'historique)" in page.locator("#lieux").inner_text()
    current = page.locator("#current-activities tbody tr")
    assert current.filter(has_text=name.split(" (")[0]).count() == 0
    history = page.locator("#lieux ul").last.inner_text()
    assert name.split(" (")[0] in history
    w.shot("activity-ended")

    # 6. the coverage as it was, on the next view; the sheet no longer lists him
    if coverage:
        assert coverage_figures(w) == (points_before, uncovered_before)
        w.shot("coverage-as-before")
    page.goto(f"{server}/lieux/{chosen}/")
    assert "Jean-Pierre Exemplaire" not in page.locator("main").inner_text()
