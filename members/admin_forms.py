"""Forms of the staff tools in the Wagtail admin."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from . import imports


class MemberAdminForm(WagtailAdminModelForm):
    """The member's edit form, with the email of a member without a login (a phone-only import).

    Adding one creates the login and sends the invitation to set a password, as the import does
    (``imports.member_email_add``). A member with a login changes their address in their account.
    """

    email = forms.EmailField(label=_("Email"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["email"]
        if self.instance.pk and self.instance.user_id:
            field.initial, field.disabled = self.instance.user.email, True
            field.help_text = _("The member changes it in their account.")
        else:
            field.help_text = _("This member has no login yet. Adding an email sends an invitation to set a password.")

    def clean_email(self):
        email = self.cleaned_data.get("email")
        if self.fields["email"].disabled or not email:
            return ""
        return imports.member_email_check(email=email)

    def save(self, commit=True):
        member = super().save(commit=commit)
        email = self.cleaned_data.get("email")
        if commit and email and not member.user_id:
            imports.member_email_add(member=member, email=email, by=self.for_user)
        return member
