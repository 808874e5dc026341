"""Filled by its own issue; the app exists so the layout and settings are final."""
