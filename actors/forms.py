"""Forms of the actors' pages: they parse and validate input, views only call them."""

from django import forms

from geo_directory import phones
from geo_directory.territories.models import Commune
from places.models import Place

from .models import Actor, Role

SORTS = [("az", "Nom de A à Z"), ("za", "Nom de Z à A")]


class DirectoryFilterForm(forms.Form):
    """The annuaire's filters, all in the URL; communes and places are those of the département."""

    q = forms.CharField(label="Rechercher un nom", required=False, max_length=100)
    role = forms.ChoiceField(
        label="Rôle", required=False, choices=[("", "Tous les rôles"), *Role.choices]
    )
    commune = forms.ModelChoiceField(
        label="Commune", required=False, queryset=Commune.objects.none(), empty_label="Toutes"
    )
    lieu = forms.ModelChoiceField(
        label="Lieu d'activité", required=False, queryset=Place.objects.none(), empty_label="Tous"
    )
    tri = forms.ChoiceField(label="Trier", required=False, choices=SORTS)

    def __init__(self, *args, communes, places, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = communes
        self.fields["lieu"].queryset = places
        self.fields["commune"].error_messages["invalid_choice"] = (
            "Cette commune n'a pas d'acteur dans le département."
        )
        self.fields["lieu"].error_messages["invalid_choice"] = (
            "Ce lieu n'a pas d'acteur dans le département."
        )

    def chosen(self) -> list[str]:
        """What the filters hold, in words ("Médiateur numérique", a commune); the typed name is
        not echoed (it is in its field: a page shows an actor's name only where it may)."""
        if not self.is_bound or not self.is_valid():
            return []
        data = self.cleaned_data
        chosen = ["recherche par nom"] if data.get("q") else []
        if data.get("role"):
            chosen.append(Role(data["role"]).label)
        chosen += [data[name].nom for name in ("commune", "lieu") if data.get(name)]
        return chosen

    def filter(self, actors):
        data = self.cleaned_data
        if data.get("q"):
            actors = actors.search(data["q"])
        if data.get("role"):
            actors = actors.with_role(data["role"])
        if data.get("commune"):
            actors = actors.working_in_commune(data["commune"].code)
        if data.get("lieu"):
            actors = actors.working_at(data["lieu"].pk)
        return actors.sorted(data.get("tri") or "az")


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="Adresse électronique du médiateur",
        error_messages={"invalid": "Saisissez une adresse électronique valide."},
    )


class ProfileForm(forms.ModelForm):
    """The person's own profile. The e-mail is not saved by the form: a new address waits for
    its confirmation link (``email_change``), so ``email`` is a plain field the view reads."""

    email = forms.EmailField(
        label="Courriel professionnel",
        required=False,
        error_messages={"invalid": "Saisissez une adresse électronique valide."},
        help_text="Une nouvelle adresse compte après confirmation par le lien que nous y envoyons.",
    )
    field_order = ["first_name", "last_name", "email", "phone", "visibility_consent"]

    class Meta:
        model = Actor
        fields = ["first_name", "last_name", "phone", "visibility_consent"]
        help_texts = {
            "phone": f"Comme vous le composez, par exemple {phones.EXAMPLE}.",
            "visibility_consent": (
                "Cochez pour apparaître dans l'annuaire public avec vos coordonnées "
                "professionnelles. Sans cette case, le public ne voit aucune trace de vous."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].initial = self.instance.email
        self.fields["phone"].widget.input_type = "tel"
        self.fields["phone"].widget.attrs.update({"autocomplete": "tel"})
        # clean_phone reads any usual form; the model's validator then checks the E.164 result
        self.fields["phone"].validators = []
        self.fields["phone"].max_length = 30
        self.fields["phone"].widget.attrs["maxlength"] = "30"
        if not self.is_bound and self.instance.phone:
            self.initial["phone"] = phones.display(self.instance.phone)

    def clean_phone(self):
        """Any usual French form ("04 65 70 00 03", "+33 4 65 70 00 03", "0262 …"), stored
        E.164; read in the plan of an overseas département the person works in, if any."""
        try:
            return phones.normalize(self.cleaned_data.get("phone"), self._overseas_departement())
        except phones.InvalidPhone as error:
            raise forms.ValidationError(str(error), code="invalid_phone") from None

    def _overseas_departement(self) -> str:
        if not self.instance.pk:
            return ""
        codes = self.instance.activities.values_list("place__departement_code", flat=True)
        return next((code for code in codes if code in phones.REGIONS), "")


class AddActivityForm(forms.Form):
    place = forms.ModelChoiceField(
        label="Lieu", queryset=Place.objects.none(), empty_label="Choisissez un lieu"
    )
    start_date = forms.DateField(
        label="Depuis le", widget=forms.DateInput(attrs={"type": "date"}), required=False
    )

    def __init__(self, *args, places, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = places
