"""The staff groups that scripts, demo content and checks rely on (DESIGN.md: names scripts rely on)."""

EDITOR_GROUP = "Editor"
COORDINATOR_GROUP = "Koordinator"
