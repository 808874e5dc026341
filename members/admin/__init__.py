"""The staff tools in the Wagtail admin, laid out as Wagtail core lays out its own apps.

members/wagtail_hooks.py only registers what these modules define. The permission names they
check are members/permissions.py (the models, services and demo seeding read them too).

- ``access``: the rules built on them: who may see people's rows (``may_see``), the read-only
  enrollment policy, a staff page's own check.
- ``viewsets``: the Member and Enrollment snippet viewsets, their columns, exports and choosers.
- ``bulk_actions``: the one table of staff actions (verify, suspend, approve, reject, move up,
  attendance, cancel); it makes both the bulk actions and the rows' buttons.
- ``buttons``: the other buttons (a row's check-in, a training page's participants, add email).
- ``listing``: what the listings add to Wagtail's (the way back, a training day's links).
- ``views``, ``forms``, ``urls``: the staff pages (attendance sheet, check-in, import).
- ``dashboard``: the panels of the admin's home page.
- ``message_participants``: the coordinator's message to a training's participants.
- ``menu``: menu items shown by permission.

Nothing here is imported at package import: importing ``members.admin.<module>`` loads that
module only.
"""
