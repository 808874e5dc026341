"""The training page's admin form: the days an editor lists decide the training's start and end."""

from wagtail.admin.forms import WagtailAdminPageForm

from . import schedule


class TrainingPageForm(WagtailAdminPageForm):
    def clean(self):
        cleaned_data = super().clean()
        # starts_at/ends_at are not on the form: they are the days' span (programs.schedule.keep_in_step).
        schedule.span_from_form(self.instance, cleaned_data.get("sessions"))
        return cleaned_data
