"""One record's fields cleaned into model values, every change written to the report."""

from __future__ import annotations

from datetime import date

from .. import cleaning, standard
from ..cleaning import text

LENGTHS = {
    "nom": 250,
    "commune": 150,
    "adresse": 300,
    "complement_adresse": 300,
    "presentation_resume": 280,  # the standard's maxLength (the column allows more)
    "source": 200,
    "structure_parente": 250,
}
CHOICES = standard.VALUE_LISTS


def clean_record(record, report, today: date) -> dict:
    """Model values of ``record``; ``date_maj_missing`` holds the warning when the source gave
    no usable date (the importer may keep the date already stored instead of ``today``)."""
    data = record.data
    values = {}

    def note(field_name, raw, message, warning=False):
        if message:
            (report.warn if warning else report.clean)(record, field_name, text(raw), message)

    for name, max_length in LENGTHS.items():
        values[name], message = cleaning.clean_length(data.get(name), max_length, name)
        note(name, data.get(name), message)
    values["presentation_detail"] = text(data.get("presentation_detail"))

    values["code_postal"], message = cleaning.clean_postal_code(data.get("code_postal"))
    note("code_postal", data.get("code_postal"), message)
    values["code_insee"], message = cleaning.clean_insee_code(data.get("code_insee"))
    note("code_insee", data.get("code_insee"), message)
    values["pivot"], message = cleaning.clean_pivot(data.get("pivot"))
    note("pivot", data.get("pivot"), message)

    departement = cleaning.departement_from_codes(values["code_insee"], values["code_postal"])
    values["telephone"], message = cleaning.clean_phone(data.get("telephone"), departement)
    note("telephone", data.get("telephone"), message)
    values["horaires"], message = cleaning.clean_opening_hours(data.get("horaires"))
    note("horaires", data.get("horaires"), message, warning=True)
    values["date_maj"], message = cleaning.clean_date(data.get("date_maj"))
    values["date_maj_missing"] = None
    if values["date_maj"] is None:  # never empty: the import date, said in the report
        values["date_maj"] = today
        values["date_maj_missing"] = report.warn(
            record,
            "date_maj",
            text(data.get("date_maj")),
            f"{message or 'date de mise à jour absente'} : date de l'import"
            f" ({today.isoformat()}) retenue",
        )

    values["courriels"], message = cleaning.clean_emails(data.get("courriels") or [])
    note("courriels", "|".join(data.get("courriels") or []), message, warning=True)
    values["site_web"], message = cleaning.clean_urls(data.get("site_web") or [])
    note("site_web", "|".join(data.get("site_web") or []), message)
    for name in ("fiche_acces_libre", "prise_rdv"):
        values[name], message = cleaning.clean_url(data.get(name))
        note(name, data.get(name), message)

    values["typologie"], message = cleaning.clean_typologie(data.get("typologie") or [])
    note("typologie", "|".join(data.get("typologie") or []), message, warning=True)
    for name, allowed in CHOICES.items():
        values[name], message = cleaning.clean_choices(data.get(name) or [], allowed, name)
        note(name, "|".join(data.get(name) or []), message, warning=True)
    values["autres_formations_labels"] = [
        text(v)[:250] for v in data.get("autres_formations_labels") or [] if text(v)
    ]
    return values
