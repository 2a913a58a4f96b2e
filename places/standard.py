"""Fields and value lists of the national standard "lieux de médiation numérique" v1.0.2.

Field names and values are the standard's own; tests check them against the shipped schema.json.
"""

ITINERANCE = (
    "Itinérant",
    "Fixe",
)

SERVICES = (
    "Aide aux démarches administratives",
    "Maîtrise des outils numériques du quotidien",
    "Insertion professionnelle via le numérique",
    "Utilisation sécurisée du numérique",
    "Parentalité et éducation avec le numérique",
    "Loisirs et créations numériques",
    "Compréhension du monde numérique",
    "Accès internet et matériel informatique",
    "Acquisition de matériel informatique à prix solidaire",
)

PUBLICS_SPECIFIQUEMENT_ADRESSES = (
    "Jeunes",
    "Étudiants",
    "Familles et/ou enfants",
    "Seniors",
    "Femmes",
)

PRISE_EN_CHARGE_SPECIFIQUE = (
    "Surdité",
    "Handicaps moteurs",
    "Handicaps mentaux",
    "Illettrisme",
    "Langues étrangères (anglais)",
    "Langues étrangères (autres)",
    "Déficience visuelle",
)

FRAIS_A_CHARGE = (
    "Gratuit",
    "Gratuit sous condition",
    "Payant",
)

DISPOSITIF_PROGRAMMES_NATIONAUX = (
    "Aidants Connect",
    "Bibliothèques numérique de référence",
    "Certification PIX",
    "Conseillers numériques",
    "Emmaüs Connect",
    "France Services",
    "Grande école du numérique",
    "La Croix Rouge",
    "Point d'accès numérique CAF",
    "Promeneurs du net",
    "Relais numérique (Emmaüs Connect)",
)

FORMATIONS_LABELS = (
    "Formé à « Mon Espace Santé »",
    "Formé à « DUPLEX » (illettrisme)",
    "Arnia/MedNum BFC (Bourgogne-Franche-Comté)",
    "Collectif ressources et acteurs réemploi (Normandie)",
    "Étapes numériques(La Poste)",
    "Fabriques de Territoire",
    "Les Éclaireurs du numérique (Drôme)",
    "Mes Papiers (Métropole de Lyon)",
    "ORDI 3.0",
    "SUD LABS (PACA)",
)

MODALITES_ACCES = (
    "Se présenter",
    "Téléphoner",
    "Contacter par mail",
    "Prendre un RDV en ligne",
    "Ce lieu n'accueille pas de public",
    "Envoyer un mail avec une fiche de prescription",
)

MODALITES_ACCOMPAGNEMENT = (
    "En autonomie",
    "Accompagnement individuel",
    "Dans un atelier collectif",
    "À distance",
)

# Structure types (data·inclusion "typologies de structure"), as referenced by the standard.
TYPOLOGIES = {
    "ACI": "Ateliers chantiers d'insertion",
    "ACIPHC": "SIAE — Atelier chantier d'insertion premières heures en chantier",
    "AFPA": "Agence nationale pour la formation professionnelle des adultes",
    "AI": "Association intermédiaire",
    "ASE": "Aide sociale à l'enfance",
    "ASSO": "Associations",
    "ASSO_CHOMEUR": "Associations de chômeurs",
    "AUTRE": "Autre",
    "BIB": "Bibliothèque / Médiathèque",
    "CAARUD": "CAARUD",
    "CADA": "Centres d'accueil de demandeurs d'asile",
    "CAF": "Caisse d'allocation familiale",
    "CAP_EMPLOI": "Cap Emploi",
    "CAVA": "Centres d'adaptation à la vie active",
    "CC": "Communautés de Communes",
    "CCAS": "Centre communal d'action sociale",
    "CCONS": "Chambres consulaires",
    "CD": "Conseils Départementaux",
    "CHRS": "Centre d'hébergement et de réinsertion sociale",
    "CHU": "Centres d'hébergement d'urgence",
    "CIAS": "Centres intercommunaux d'action sociale",
    "CIDFF": "Centres d'information sur les droits des femmes et des familles",
    "CITMET": "Cité des métiers",
    "CMP": "Centre médico-psychologique",
    "CMS": "Centre médico-social",
    "CPAM": "Caisse primaire d'assurance maladie",
    "CPH": "Centres provisoires d'hébergement",
    "CS": "Centre social",
    "CSAPA": "CSAPA",
    "DEETS": "Directions de l'Économie, de l'Emploi, du Travail et des Solidarités",
    "DEPT": "Services sociaux du Conseil départemental",
    "DIPLP": "Délégation interministérielle à la prévention et à la lutte contre la pauvreté",
    "E2C": "École de la deuxième chance",
    "EA": "Entreprise adaptée",
    "EATT": "Entreprise adaptée de travail temporaire",
    "EI": "Entreprise d'insertion",
    "EITI": "Entreprise d'insertion par le travail indépendant",
    "ENM": "Écoles de la nouvelle chance",
    "EPCI": "Intercommunalité (EPCI)",
    "EPI": "Espace public internet",
    "EPIDE": "Établissement pour l'insertion dans l'emploi",
    "EPN": "Espace public numérique",
    "ES": "Épicerie solidaire",
    "ESS": "Entreprise de l'économie sociale et solidaire",
    "ETTI": "Entreprise de travail temporaire d'insertion",
    "FABLAB": "Fablab",
    "FAIS": "Fédérations d'acteurs de l'insertion et de la solidarité",
    "FT": "France Travail",
    "GEIQ": "Groupement d'employeurs pour l'insertion et la qualification",
    "HUDA": "Hébergement d'urgence pour demandeurs d'asile",
    "LA_POSTE": "La Poste",
    "MDE": "Maison de l'emploi",
    "MDEF": "Maison de l'emploi et de la formation",
    "MDH": "Maison départementale de l'habitat",
    "MDPH": "Maison départementale des personnes handicapées",
    "MDS": "Maison départementale des solidarités",
    "MJC": "Maison des jeunes et de la culture",
    "ML": "Mission locale",
    "MQ": "Maison de quartier",
    "MSA": "Mutualité sociale agricole",
    "MSAP": "Maison de services au public",
    "MUNI": "Municipalité",
    "OACAS": "Organisme d'accueil communautaire et d'activités solidaires",
    "ODC": "Organisation délégataire d'un CD",
    "OF": "Organisme de formations",
    "OIL": "Opérateur d'intermédiation locative",
    "OPCS": "Organisation porteuse de la clause sociale",
    "PAD": "Point d'accès au droit",
    "PE": "Pôle emploi",
    "PENSION": "Pension de famille / résidence accueil",
    "PIJ_BIJ": "Point ou bureau information jeunesse",
    "PIMMS": "Point information médiation multi services",
    "PJJ": "Protection judiciaire de la jeunesse",
    "PLIE": "Plans locaux pour l'insertion et l'emploi",
    "PREF": "Préfecture, sous-préfecture",
    "PREVENTION": "Service ou club de prévention",
    "REG": "Région",
    "RESSOURCERIE": "Ressourcerie",
    "RFS": "Réseau France Services",
    "RS_FJT": "Résidence sociale / FJT",
    "SCP": "Services et clubs de prévention",
    "SPIP": "Service pénitentiaire d'insertion et de probation",
    "TIERS_LIEUX": "Tiers lieu & coworking",
    "UDAF": "Union départementale d'affaires familiales",
}

# The value of `modalites_acces` that says a place does not receive the public.
NO_PUBLIC = "Ce lieu n'accueille pas de public"


# The 32 fields of the standard, in the order of schema.json (and of its CSV columns).
FIELDS = (
    "id",
    "pivot",
    "nom",
    "commune",
    "code_postal",
    "code_insee",
    "adresse",
    "complement_adresse",
    "latitude",
    "longitude",
    "typologie",
    "telephone",
    "courriels",
    "site_web",
    "horaires",
    "presentation_resume",
    "presentation_detail",
    "source",
    "itinerance",
    "structure_parente",
    "date_maj",
    "services",
    "publics_specifiquement_adresses",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "dispositif_programmes_nationaux",
    "formations_labels",
    "autres_formations_labels",
    "modalites_acces",
    "modalites_accompagnement",
    "fiche_acces_libre",
    "prise_rdv",
)
# Multi-valued fields: lists in the database, "|"-joined in CSV.
LIST_FIELDS = (
    "typologie",
    "courriels",
    "site_web",
    "itinerance",
    "services",
    "publics_specifiquement_adresses",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "dispositif_programmes_nationaux",
    "formations_labels",
    "autres_formations_labels",
    "modalites_acces",
    "modalites_accompagnement",
)
# Fields stored as Place columns of the same name (id is ours, latitude/longitude are `location`).
MODEL_FIELDS = tuple(name for name in FIELDS if name not in {"id", "latitude", "longitude"})
# Single-valued fields as a source file carries them (latitude/longitude included).
SCALAR_FIELDS = tuple(name for name in FIELDS if name != "id" and name not in LIST_FIELDS)

# The fields whose values come from a list of the standard, with those values.
VALUE_LISTS = {
    "itinerance": ITINERANCE,
    "services": SERVICES,
    "publics_specifiquement_adresses": PUBLICS_SPECIFIQUEMENT_ADRESSES,
    "prise_en_charge_specifique": PRISE_EN_CHARGE_SPECIFIQUE,
    "frais_a_charge": FRAIS_A_CHARGE,
    "dispositif_programmes_nationaux": DISPOSITIF_PROGRAMMES_NATIONAUX,
    "formations_labels": FORMATIONS_LABELS,
    "modalites_acces": MODALITES_ACCES,
    "modalites_accompagnement": MODALITES_ACCOMPAGNEMENT,
}
