"""Forms of the staff tools in the Wagtail admin."""

from django import forms
from django.utils.translation import gettext_lazy as _

from . import imports


class MemberEmailForm(forms.Form):
    """The email of a member without a login (a phone-only import): adding it sends the invitation."""

    email = forms.EmailField(label=_("Email"))

    def clean_email(self):
        return imports.member_email_check(email=self.cleaned_data["email"])
