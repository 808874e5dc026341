"""What the admin's scripts post for fields the page's HTML does not hold (a StreamField's inputs)."""

from core.clock import WIB


def wib_text(value) -> str:
    return value.astimezone(WIB).strftime("%Y-%m-%d %H:%M")


def session_fields(days) -> dict[str, str]:
    """A training's ``sessions`` as the edit form posts them: ``days`` are (start, end, block id),
    the times as WIB text, the id empty for a day the editor adds."""
    data = {"sessions-count": str(len(days))}
    for index, (starts_at, ends_at, key) in enumerate(days):
        prefix = f"sessions-{index}"
        data |= {
            f"{prefix}-type": "session",
            f"{prefix}-id": key,
            f"{prefix}-order": str(index),
            f"{prefix}-deleted": "",
            f"{prefix}-value-starts_at": starts_at,
            f"{prefix}-value-ends_at": ends_at,
        }
    return data


def current_days(training) -> list[tuple[str, str, str]]:
    return [(wib_text(day.starts_at), wib_text(day.ends_at), day.key) for day in training.days]
