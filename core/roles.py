"""The staff groups that scripts, demo content and checks rely on (docs/architecture.md: names scripts rely on)."""

EDITOR_GROUP = "Editor"
COORDINATOR_GROUP = "Koordinator"
