"""VAT numbers: read from the store's form fields, checked for shape, then sent to the ERP.

BigCommerce has no VAT-number field of its own; B2B shops add a custom form field to
the account or address form ("VAT number", "BTW-nummer"), which the store facade
hands over as :attr:`~bcapp.canonical.Customer.form_fields`. The merchant names the
field in the customers settings (``vat_number_field``). A number is normalised
(spaces, dots and dashes removed, upper case, the country prefix added when the
customer left it off) and checked against the country's format (the EU's VIES
formats, plus the UK, Northern Ireland, Switzerland and Norway) before it reaches an
ERP: a malformed one is logged against the run and not sent, because an ERP that
books intra-community supplies zero-rated on a wrong number costs the merchant VAT.
Countries without a known format get the number as typed.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bcapp.canonical import Customer

#: Country prefix → the number's shape after the prefix (VIES formats; GB/XI/CH/NO besides).
VAT_FORMATS: dict[str, str] = {
    "AT": r"U\d{8}", "BE": r"[01]\d{9}", "BG": r"\d{9,10}", "CY": r"\d{8}[A-Z]",
    "CZ": r"\d{8,10}", "DE": r"\d{9}", "DK": r"\d{8}", "EE": r"\d{9}", "EL": r"\d{9}",
    "ES": r"[A-Z0-9]\d{7}[A-Z0-9]", "FI": r"\d{8}", "FR": r"[A-HJ-NP-Z0-9]{2}\d{9}",
    "HR": r"\d{11}", "HU": r"\d{8}", "IE": r"\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W]",
    "IT": r"\d{11}", "LT": r"\d{9}|\d{12}", "LU": r"\d{8}", "LV": r"\d{11}", "MT": r"\d{8}",
    "NL": r"\d{9}B\d{2}", "PL": r"\d{10}", "PT": r"\d{9}", "RO": r"\d{2,10}", "SE": r"\d{12}",
    "SI": r"\d{8}", "SK": r"\d{10}", "XI": r"\d{9}|\d{12}|GD\d{3}|HA\d{3}",
    "GB": r"\d{9}|\d{12}|GD\d{3}|HA\d{3}", "CHE": r"\d{9}(?:MWST|TVA|IVA)?", "NO": r"\d{9}(?:MVA)?",
}  # fmt: skip
#: ISO country → its VAT prefix where they differ (Greece is EL, Switzerland CHE).
PREFIX_OF_COUNTRY = {"GR": "EL", "CH": "CHE"}
_SHAPES = {prefix: re.compile(f"(?:{shape})") for prefix, shape in VAT_FORMATS.items()}


def field_value(customer: Customer, field_name: str) -> str:
    """The value of the form field named ``field_name`` (case, spaces and dashes ignored)."""
    wanted = _fold(field_name)
    for name, value in customer.form_fields:
        if wanted and _fold(name) == wanted:
            return value
    return ""


def normalised(number: str, country: str) -> str:
    """``nl 8192.34.567 b01`` → ``NL819234567B01``: no separators, upper case, prefixed."""
    text = re.sub(r"[\s.\-/]", "", number).upper()
    prefix = PREFIX_OF_COUNTRY.get(country.upper(), country.upper())
    known = next((p for p in sorted(_SHAPES, key=len, reverse=True) if text.startswith(p)), None)
    if known is None and prefix in _SHAPES:
        text = prefix + text
    return text


def malformed(number: str) -> bool:
    """Whether a normalised number is of a known country yet not in that country's shape."""
    prefix = next((p for p in sorted(_SHAPES, key=len, reverse=True) if number.startswith(p)), None)
    if prefix is None:
        return False  # a country without a known format: sent as typed
    return _SHAPES[prefix].fullmatch(number[len(prefix) :]) is None


def with_vat_number(customer: Customer, field_name: str, country: str) -> tuple[Customer, str]:
    """(the customer with their checked VAT number and no form fields, a problem or "").

    ``country``: the billing country, which gives a number typed without its prefix one.
    A number already on the record (an ERP-side value) is kept when the form has none.
    """
    raw = field_value(customer, field_name) or customer.vat_number
    clean = normalised(raw, country) if raw.strip() else ""
    problem = ""
    if clean and malformed(clean):
        who = customer.email or "the customer"
        problem = (
            f'VAT number "{raw}" of {who} is not in the format of {clean[:2]}: not sent to '
            "the ERP. Correct it in BigCommerce."
        )
        clean = ""
    return replace(customer, vat_number=clean, form_fields=()), problem


def _fold(text: str) -> str:
    return re.sub(r"[\s_\-.:]", "", text).casefold()
