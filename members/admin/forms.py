"""Forms of the staff tools in the Wagtail admin."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from programs.models import TrainingPage

from .. import imports


class ReasonForm(forms.Form):
    """Rejecting or cancelling: the reason goes to the member in the email."""

    reason = forms.CharField(
        label=gettext_lazy("Reason (sent to the member)"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000
    )


class CheckinTrainingForm(forms.Form):
    training = forms.ModelChoiceField(
        label=gettext_lazy("Training at this venue"),
        queryset=TrainingPage.objects.none(),
        required=False,
        empty_label=gettext_lazy("Any training"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        since = timezone.now() - timedelta(days=7)
        self.fields["training"].queryset = TrainingPage.objects.filter(starts_at__gte=since).order_by("starts_at")


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Spreadsheet (CSV or XLSX with a header row)"))
    dry_run = forms.BooleanField(
        label=gettext_lazy("Only check the file, import nothing"), required=False, initial=True
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a CSV or XLSX file."))
        if upload.size > imports.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is too large (at most 10 MB)."))
        return upload


class MemberEmailForm(forms.Form):
    """The email of a member without a login (a phone-only import): adding it sends the invitation."""

    email = forms.EmailField(label=gettext_lazy("Email"))

    def clean_email(self):
        return imports.member_email_check(email=self.cleaned_data["email"])
