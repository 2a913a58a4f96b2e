"""How a typed commune name is compared: lower case, no accents, "St"/"Ste" as "Saint"/"Sainte",
hyphens and apostrophes as spaces. "digne les bains", "DIGNE-LES-BAINS" and "Digne-les-Bains"
all give the same key, stored on each commune (indexed) so that lookups never scan the table."""

import re
import unicodedata

CODE_RE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
LABEL_RE = re.compile(r"^(?P<nom>.+?)\s*\((?P<dep>\d{2}|2[AB]|97\d)\)$")


def name_key(text: str) -> str:
    text = unicodedata.normalize("NFKD", (text or "").lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"\bst(e?)\b", r"saint\1", text)
    return re.sub(r"[\s'’-]+", " ", text).strip()
