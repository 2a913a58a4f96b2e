"""The older vocabulary (schema v0 "lieux de médiation numérique", 2022) mapped to the v1 lists.

v0 files describe services as learner goals ("Prendre en main un ordinateur"), publics and access
conditions as long labels ("Gratuit : Je peux accéder ..."). v1.0.2 groups them into fewer, wider
values. The correspondence follows the meaning of each label; a v0 value may feed several v1
fields (a public "Surdité" is a ``prise_en_charge_specifique`` in v1). Values already in the v1
lists pass through unchanged, so mixed files (Hub du Sud: v1 services, v0 publics) read too.
"""

SERVICES_V0 = {
    "Prendre en main un smartphone ou une tablette": "Maîtrise des outils numériques du quotidien",
    "Prendre en main un ordinateur": "Maîtrise des outils numériques du quotidien",
    "Utiliser le numérique au quotidien": "Maîtrise des outils numériques du quotidien",
    "Approfondir ma culture numérique": "Compréhension du monde numérique",
    "Promouvoir la citoyenneté numérique": "Compréhension du monde numérique",
    "Devenir autonome dans les démarches administratives": "Aide aux démarches administratives",
    "Réaliser des démarches administratives avec un accompagnement": (
        "Aide aux démarches administratives"
    ),
    "Accompagner les démarches de santé": "Aide aux démarches administratives",
    "Favoriser mon insertion professionnelle": "Insertion professionnelle via le numérique",
    "Créer et développer mon entreprise": "Insertion professionnelle via le numérique",
    "Accéder à une connexion internet": "Accès internet et matériel informatique",
    "Accéder à du matériel": "Accès internet et matériel informatique",
    "S'équiper en matériel informatique": "Acquisition de matériel informatique à prix solidaire",
    "S’équiper en matériel informatique": "Acquisition de matériel informatique à prix solidaire",
    "Créer avec le numérique": "Loisirs et créations numériques",
    "Soutenir la parentalité et l'éducation avec le numérique": (
        "Parentalité et éducation avec le numérique"
    ),
    "Soutenir la parentalité et l’éducation avec le numérique": (
        "Parentalité et éducation avec le numérique"
    ),
}

# publics_accueillis (v0) -> (v1 field, v1 value); None = no v1 counterpart ("Adultes": everyone).
PUBLICS_V0 = {
    "Adultes": None,
    "Jeunes (16-26 ans)": ("publics_specifiquement_adresses", "Jeunes"),
    "Seniors (+ 65 ans)": ("publics_specifiquement_adresses", "Seniors"),
    "Familles/enfants": ("publics_specifiquement_adresses", "Familles et/ou enfants"),
    "Étudiants": ("publics_specifiquement_adresses", "Étudiants"),
    "Femmes": ("publics_specifiquement_adresses", "Femmes"),
    "Surdité": ("prise_en_charge_specifique", "Surdité"),
    "Déficience visuelle": ("prise_en_charge_specifique", "Déficience visuelle"),
    "Personnes en situation d'illettrisme": ("prise_en_charge_specifique", "Illettrisme"),
    "Public langues étrangères": ("prise_en_charge_specifique", "Langues étrangères (autres)"),
    "Handicaps mentaux : déficiences limitant les activités d'une personne": (
        "prise_en_charge_specifique",
        "Handicaps mentaux",
    ),
    (
        "Handicaps psychiques : troubles psychiatriques donnant lieu à des atteintes"
        " comportementales"
    ): ("prise_en_charge_specifique", "Handicaps mentaux"),
    "Handicaps moteurs : déficiences limitant les capacités motrices": (
        "prise_en_charge_specifique",
        "Handicaps moteurs",
    ),
}

# conditions_acces (v0): the label before " : " decides the v1 frais_a_charge.
FRAIS_V0 = {
    "Gratuit": "Gratuit",
    "Gratuit sous condition": "Gratuit sous condition",
    "Payant": "Payant",
    "Adhésion": "Payant",
    "Accepte le Pass numérique": "Payant",
}

# labels_nationaux (v0) -> dispositif_programmes_nationaux (v1).
LABELS_V0 = {
    "CNFS": "Conseillers numériques",
    "Conseillers numériques": "Conseillers numériques",
    "France Services": "France Services",
    "Aidants Connect": "Aidants Connect",
    "Points d'accès numérique CAF": "Point d'accès numérique CAF",
    "Point d'accès numérique CAF": "Point d'accès numérique CAF",
    "Grande école du numérique": "Grande école du numérique",
    "Emmaüs Connect": "Emmaüs Connect",
    "Promeneurs du net": "Promeneurs du net",
}

# modalites_accompagnement (v0): the label before " : " decides the v1 value.
ACCOMPAGNEMENT_V0 = {
    "Avec de l'aide": "Accompagnement individuel",
    "A ma place": "Accompagnement individuel",
    "À ma place": "Accompagnement individuel",
    "Dans un atelier": "Dans un atelier collectif",
    "Seul": "En autonomie",
}


def short_label(value: str) -> str:
    """ "Gratuit : Je peux accéder ..." -> "Gratuit"."""
    return value.split(" : ", 1)[0].strip()
