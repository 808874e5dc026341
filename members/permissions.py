"""The names of the members app's permissions, written once: every check, seed and query uses these.

Django's ``has_perm`` takes ``"<app_label>.<codename>"``; group seeding and ``Permission``
queries take the codename alone (``codename(...)``). The staff tools check them, and so do
the model's own permission list (members/models.py), the services (members.imports,
members.accounts) and the demo seeding (members/demo.py). This module imports nothing,
so the models, the services and the admin all read the names from here without loading each other.
"""

APP_LABEL = "members"

VIEW_MEMBER = "members.view_member"
CHANGE_MEMBER = "members.change_member"
# Verify and suspend members (a custom permission of Member, see members/models.py).
VERIFY_MEMBER = "members.verify_member"
# Read members' whole NIK (everyone else reads it masked) and export it on request (members.nik).
VIEW_MEMBER_NIK = "members.view_member_nik"
# Imported members arrive verified, so importing (and seeing import jobs) needs the right to verify.
IMPORT_MEMBERS = VERIFY_MEMBER

# The participants lists, exports and the attendance sheet.
VIEW_ENROLLMENT = "members.view_enrollment"
# Acting on participants (approve, reject, move up, attendance, cancel, check-in), always through
# members.enrollment: no generic form edits an enrollment row.
CHANGE_ENROLLMENT = "members.change_enrollment"


def codename(permission: str) -> str:
    """``"members.verify_member"`` → ``"verify_member"``."""
    app_label, _dot, name = permission.partition(".")
    assert app_label == APP_LABEL, permission
    return name


# Coordinators verify, suspend and import members; they read profiles but do not edit them.
# They see participants and act on them through the enrollment service.
COORDINATOR_PERMISSIONS = (VIEW_MEMBER, VERIFY_MEMBER, VIEW_ENROLLMENT, CHANGE_ENROLLMENT)
# Who is told when a member asks to change verified data: those who verify, and those who edit members.
CHANGE_REQUEST_PERMISSIONS = (VERIFY_MEMBER, CHANGE_MEMBER)
