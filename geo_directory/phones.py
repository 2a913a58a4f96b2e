"""The one phone cleaner of the project (places and actors), built on ``phonenumbers``
(Google's libphonenumber metadata): any usual French form in, E.164 stored, national form shown.

- ``normalize(raw, departement="")``: ``"04 65 70 00 03"``, ``"0465700003"``,
  ``"04.65.70.00.03"``, ``"+33 4 65 70 00 03"``, ``"0033 4 65 70 00 03"``,
  ``"+33 (0)4 65 70 00 03"`` -> ``"+33465700003"``.
  An overseas prefix says where a number rings: ``"0262 90 47 00"`` is ``+262262904700``
  wherever it comes from (no metropolitan number starts with 0262); ``"04 92 80 71 30"`` stays
  ``+33…`` even for a place of 974.
  Raises ``InvalidPhone`` (a French message) when nothing readable is left.
- ``display(e164)``: ``"+33492807130"`` -> ``"04 92 80 71 30"``, ``"+262262904700"`` ->
  ``"0262 90 47 00"`` (as people of each territory write them); a foreign number in its
  international form; anything unreadable as it was stored.
- ``validate(value)``: the model validator (an E.164 number that is real), for the admin.
"""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError
from phonenumbers import NumberParseException, PhoneNumberFormat

# INSEE département (or collectivité) code -> libphonenumber region.
REGIONS = {
    "971": "GP",
    "972": "MQ",
    "973": "GF",
    "974": "RE",
    "975": "PM",
    "976": "YT",
    "977": "BL",
    "978": "MF",
    "986": "WF",
    "987": "PF",
    "988": "NC",
}
FRENCH_REGIONS = ("FR", "RE", "YT", "GP", "MQ", "GF", "PM", "BL", "MF", "WF", "PF", "NC")
# National prefixes the French plan (ARCEP) gives to the overseas départements, and their
# country calling code: "0262 90 47 00" is +262 262 90 47 00 wherever it is written. They are
# never metropolitan numbers, though libphonenumber's "FR" metadata accepts some of them.
OVERSEAS_PREFIXES = {
    "0262": "262",  # La Réunion
    "0263": "262",
    "0692": "262",
    "0693": "262",
    "0269": "262",  # Mayotte
    "0639": "262",
    "0590": "590",  # Guadeloupe, Saint-Barthélemy, Saint-Martin
    "0690": "590",
    "0691": "590",
    "0594": "594",  # Guyane
    "0694": "594",
    "0596": "596",  # Martinique
    "0696": "596",
    "0697": "596",
}


def unbroken(number: str) -> str:
    """A number written in a sentence, its groups joined by no-break spaces: a phone's narrow
    screen never breaks "04 92 80 71 30" in the middle."""
    return number.replace(" ", "\u00a0")


EXAMPLE = unbroken("04 92 80 71 30")
MESSAGE = (
    "Numéro de téléphone illisible : écrivez-le comme on le compose en France "
    f"(par exemple {EXAMPLE}, {unbroken('0262 90 47 00')} ou {unbroken('+33 4 92 80 71 30')})."
)
_NOISE = re.compile(r"[\s.\-/()\u00a0\u202f]")


class InvalidPhone(ValueError):
    pass


def _parse(text: str, region: str):
    try:
        return phonenumbers.parse(text, region)
    except NumberParseException:
        return None


def normalize(raw, departement: str = "") -> str:
    """``raw`` as E.164 (``""`` when empty); ``InvalidPhone`` when it is not a real number.

    A national number (0…) with an overseas prefix goes to its territory's code; any other must
    be a real number of metropolitan France, else of the département's own plan (overseas
    collectivités: Saint-Pierre-et-Miquelon's six digits, New Caledonia's…).
    """
    text = "" if raw is None else str(raw).strip()
    if not text:
        return ""
    compact = _NOISE.sub("", text.replace("(0)", ""))
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if re.fullmatch(r"[1-9]\d{8}", compact):  # a lost leading zero (spreadsheets eat it)
        compact = "0" + compact
    if not re.fullmatch(r"\+?\d{4,15}", compact):
        raise InvalidPhone(MESSAGE)
    if len(compact) == 10 and compact[:4] in OVERSEAS_PREFIXES:
        compact = "+" + OVERSEAS_PREFIXES[compact[:4]] + compact[1:]
    if compact.startswith("+"):
        candidates = [_parse(compact, "FR")]
    else:
        regions = ["FR", REGIONS.get((departement or "").upper())]
        candidates = [_parse(compact, region) for region in regions if region]
    for number in candidates:
        if number is not None and _acceptable(number):
            return phonenumbers.format_number(number, PhoneNumberFormat.E164)
    raise InvalidPhone(MESSAGE)


def _acceptable(number) -> bool:
    """A real number; a number of an overseas prefix need only have the right length (the
    metadata lags behind the ranges there, and the prefix already says where it rings)."""
    if phonenumbers.is_valid_number(number):
        return True
    national = "0" + str(number.national_number)
    code = OVERSEAS_PREFIXES.get(national[:4])
    return code == str(number.country_code) and phonenumbers.is_possible_number(number)


def display(value) -> str:
    """How a stored number is shown: the national form of its French territory."""
    text = "" if value is None else str(value).strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, "FR")
    except NumberParseException:
        return text
    region = phonenumbers.region_code_for_country_code(number.country_code)
    if region in FRENCH_REGIONS:
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def validate(value) -> None:
    """Model validator: a real number, stored in E.164 (``+33492807130``)."""
    if not value:
        return
    try:
        normalized = normalize(value)
    except InvalidPhone:
        raise ValidationError(MESSAGE, code="invalid_phone") from None
    if normalized != value:
        raise ValidationError(
            f"Téléphone à enregistrer au format international : {normalized}.",
            code="phone_not_e164",
        )
