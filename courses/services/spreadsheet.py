"""What every spreadsheet import of this project shares."""

from datetime import date, datetime


def cell_text(value: object) -> str:
    """A cell as trimmed text: numbers typed into Excel lose their ".0", a date
    typed without a time stays a date, line breaks become "\\n"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        if (value.hour, value.minute, value.second) == (0, 0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    # str.strip() covers the full-width space U+3000 and NBSP; Excel pastes also
    # bring zero-width spaces and byte-order marks.
    return text.strip().strip("\u200b\ufeff").strip()
