"""StreamField blocks of the programs app: a training's sessions (its days)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError


class SessionBlock(blocks.StructBlock):
    """One day of a training: when it starts and ends (WIB).

    The block's id is the session's identity: ``programs.TrainingSession`` rows (what attendance
    is recorded on) are keyed by it, and it stays the same through every revision and publish.
    """

    starts_at = blocks.DateTimeBlock(label=_("starts at"))
    ends_at = blocks.DateTimeBlock(label=_("ends at"))

    class Meta:
        icon = "date"
        label = _("Session (day)")
        form_classname = "training-session-block"

    def clean(self, value):
        value = super().clean(value)
        if value.get("starts_at") and value.get("ends_at") and value["ends_at"] <= value["starts_at"]:
            raise StructBlockValidationError(
                block_errors={"ends_at": ValidationError(gettext("The session must end after it starts."))}
            )
        return value


class SessionsBlock(blocks.StreamBlock):
    session = SessionBlock()

    class Meta:
        min_num = 1
