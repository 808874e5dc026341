from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.models import District

from . import accounts
from . import nik as nik_service
from .models import Member


def _privacy_label():
    return format_html(
        '{} <a href="{}" target="_blank">{}</a>',
        gettext("I have read and agree to the"),
        reverse_lazy("privacy"),
        gettext("privacy notice"),
    )


privacy_label = lazy(_privacy_label, SafeString)

PRIVACY_REQUIRED = _("You must agree to the privacy notice.")


class SignupForm(forms.Form):
    """What allauth's sign-up adds to email and password: a name and the privacy consent.

    allauth builds its sign-up form on top of this class (ACCOUNT_SIGNUP_FORM_CLASS).
    """

    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name", "placeholder": _("Full name")}),
    )
    language = forms.ChoiceField(
        label=_("Language of our emails"),
        choices=settings.LANGUAGES,
        required=False,  # left out: the language the visitor reads the site in
        help_text=_("You can change it later in your profile."),
    )
    privacy_agreed = forms.BooleanField(
        label=privacy_label(), label_suffix="", required=True, error_messages={"required": PRIVACY_REQUIRED}
    )

    # Name first, consent last, allauth's email and password fields in between (allauth applies it).
    field_order = ["full_name", "email", "password1", "password2", "language", "privacy_agreed"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The language the visitor reads the site in (Indonesian unless they switched).
        self.fields["language"].initial = translation.get_language() or settings.LANGUAGE_CODE

    def signup(self, request, user):
        accounts.member_register(
            user=user,
            full_name=self.cleaned_data["full_name"],
            privacy_agreed=self.cleaned_data["privacy_agreed"],
            language=self.cleaned_data.get("language") or translation.get_language(),
        )


class ProfileForm(forms.ModelForm):
    nik = forms.CharField(
        label=_("NIK (population number on your e-KTP)"),
        max_length=24,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_(
            "Optional: 16 digits. Stored encrypted, used only to verify your membership, and shown to "
            "coordinators masked."
        ),
    )
    nik_consent = forms.BooleanField(
        label=_("I agree that the branch stores my NIK to verify my membership (UU 27/2022)."),
        label_suffix="",
        required=False,
    )
    privacy_agreed = forms.BooleanField(
        label=privacy_label(),
        label_suffix="",
        required=True,
        error_messages={
            "required": _(
                "You must agree to the privacy notice. If you no longer agree, you can delete your account below."
            )
        },
    )

    class Meta:
        model = Member
        fields = accounts.PROFILE_FIELDS
        widgets = {
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "placeholder": "0812 3456 7890"}),
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "business_description": forms.Textarea(attrs={"rows": 3}),
            "gender": forms.RadioSelect,
        }
        help_texts = {
            "phone": _("Indonesian numbers such as 0812 3456 7890 are fine."),
            "business_name": _("Only if you run a micro or small business (UMKM)."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = District.objects.all()
        self.fields["district"].empty_label = _("Choose your district")
        self.fields["gender"].choices = Member.Gender.choices
        self.fields["gender"].required = False
        self.fields["language"].required = False  # left out of a POST: the member's language stays
        if self.instance.privacy_agreed_at:
            self.initial.setdefault("privacy_agreed", True)
        if not nik_service.nik_enabled():
            del self.fields["nik"], self.fields["nik_consent"]
        else:
            held = nik_service.nik_decrypt(ciphertext=self.instance.nik_ciphertext)
            if held:
                # Never sent back in the page: the masked NIK says one is kept; typing replaces it.
                self.fields["nik"].widget.attrs["placeholder"] = nik_service.nik_mask(held)
                self.fields["nik"].help_text = _("Kept: %(masked)s. Type it again only to change it.") % {
                    "masked": nik_service.nik_mask(held)
                }
            if self.instance.nik_consent_at:
                self.initial.setdefault("nik_consent", True)
        # Verified data is shown, not sent: a disabled field keeps its current value whatever
        # a (tampered) POST says, and the service refuses a change to it anyway.
        self.locked_fields = accounts.member_locked_fields(member=self.instance)
        for name in self.locked_fields:
            if name not in self.fields:
                continue  # given by the branch (the member number): shown, never a field
            self.fields[name].disabled = True
            self.fields[name].help_text = accounts.LOCKED_MESSAGE

    def clean_phone(self):
        return accounts.phone_normalise(value=self.cleaned_data.get("phone", ""))

    def clean(self):
        cleaned = super().clean()
        # The NIK against the date of birth and gender of this same form (members.nik); the
        # service checks it again with the saved profile, consent and duplicates.
        if cleaned.get("nik"):
            birth_date = cleaned.get("birth_date", self.instance.birth_date)
            gender = cleaned.get("gender", self.instance.gender)
            try:
                cleaned["nik"] = nik_service.nik_validate(value=cleaned["nik"], birth_date=birth_date, gender=gender)
            except ValidationError as error:
                self.add_error("nik", error)
        return cleaned

    def clean_birth_date(self):
        value = self.cleaned_data.get("birth_date")
        accounts.birth_date_validate(value=value)
        return value

    def save(self, commit=True):
        raise NotImplementedError("use members.accounts.member_update_profile")

    def about_fields(self) -> list:
        """The "About you" group of the profile page, in its order."""
        return [self[name] for name in accounts.ABOUT_FIELDS if name in self.fields]

    def profile_fields(self) -> dict:
        fields = {name: self.cleaned_data[name] for name in accounts.PROFILE_FIELDS}
        fields["language"] = fields["language"] or self.instance.language
        return fields

    def nik_fields(self) -> list:
        """The NIK and its consent, when NIK is enabled (members.nik)."""
        return [self[name] for name in ("nik", "nik_consent") if name in self.fields]

    def nik_values(self) -> dict:
        return {"nik": self.cleaned_data.get("nik", ""), "nik_consent": self.cleaned_data.get("nik_consent", False)}


class ChangeRequestForm(forms.Form):
    """A verified member asks the coordinators to change locked data (members.accounts.member_request_change)."""

    gender = forms.ChoiceField(
        label=_("Gender"), choices=[("", _("No change")), *Member.Gender.choices], required=False
    )
    birth_date = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    district = forms.ModelChoiceField(
        label=_("District"), queryset=District.objects.none(), required=False, empty_label=_("No change")
    )
    cadre_level = forms.ChoiceField(
        label=_("Cadre level"), choices=[("", _("No change")), *Member.CadreLevel.choices], required=False
    )
    member_number = forms.CharField(label=_("Member number"), max_length=50, required=False)
    note = forms.CharField(
        label=_("Why should it change?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: I moved to another district, or my date of birth was entered wrongly."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = District.objects.all()

    def clean_birth_date(self):
        value = self.cleaned_data.get("birth_date")
        accounts.birth_date_validate(value=value)
        return value

    def changes(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in accounts.LOCKED_WHEN_VERIFIED
            if self.cleaned_data.get(name) not in ("", None)
        }


class PhotoForm(forms.Form):
    """The photo on the member card; its content is checked and cleaned by the service (core.uploads)."""

    photo = forms.FileField(
        label=_("Photo"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_("A clear photo of your face, JPEG, PNG or WebP, at most 8 MB. Only you and the branch see it."),
    )


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(_("The password is not correct."), code="wrong_password")
        return password
