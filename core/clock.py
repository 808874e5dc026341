"""The branch's clock: every time people read (pages, emails, exports, the admin) is WIB."""

from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")
