"""Merchant templates: the filters do what the settings page promises, hostile ones are stopped.

A template is untrusted text run in a worker. These go through the real engine
(Jinja2's sandbox, narrowed): an escape attempt, a runaway loop or a flood of
output ends as a TemplateFailure within the time budget, never as a result.
"""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from bcapp.canonical import Address, Customer, Order, OrderLine, StoreExtras
from bcapp.mapping.contexts import order_context
from bcapp.mapping.fields import FieldMappings, FieldSpec, build, check_rules, evaluate
from bcapp.mapping.templates import MAX_OUTPUT, MAX_SECONDS, TemplateFailure, render

ORDER = Order(
    bc_id=100, reference="100", customer=Customer(email="jan@example.com", first_name="Jan"),
    billing_address=Address(city="Amsterdam", country_code="NL"),
    lines=(OrderLine(sku="MUG", name="Mug", quantity=Decimal(2), price_ex_tax=Decimal("10"),
                     price_inc_tax=Decimal("12.10")),),
    customer_message="Leave at the door", coupon_codes=("SUMMER",),
)  # fmt: skip
CONTEXT = order_context(ORDER, StoreExtras(form_fields={"PO number": "PO-1"}))


@pytest.mark.parametrize(("template", "expected"), [
    ("{{ order.customer_message | upper }}", "LEAVE AT THE DOOR"),
    ("{{ order.customer_message | lower | replace('door', 'gate') }}", "leave at the gate"),
    ("{{ order.customer_message | truncate(5) }}", "Leave"),
    ("{{ order.customer_message | truncate(8, '...') }}", "Leave..."),
    ("{{ form['PO number'] }}", "PO-1"),
    ("{{ form['Missing'] | default('none') }}", "none"),
    ("{{ order.nothing.deeper }}", ""),
    ("{{ coupons[0] }}", "SUMMER"),
    ("{{ order.lines[0].sku }}-{{ order.lines[0].quantity }}", "MUG-2"),
    ("{{ '2026-03-04T10:00:00+00:00' | date('%d-%m-%Y') }}", "04-03-2026"),
    ("{{ billing.country_code | lookup('countries') }}", "Nederland"),
    ("{{ 'BE' | lookup('countries', 'elsewhere') }}", "elsewhere"),
])  # fmt: skip
def test_filters(template: str, expected: str) -> None:
    assert render(template, CONTEXT, {"countries": {"NL": "Nederland"}}) == expected


@pytest.mark.parametrize("template", [
    "{{ ''.__class__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ order.__class__ }}x{{ order.items() }}",
    "{{ form.keys() }}",
    "{{ range.__init__.__globals__ }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{{ lipsum.__globals__ }}",
    "{{ self.__init__.__globals__ }}",
    "{{ order.customer_message.upper() }}",
    "{% include '/etc/passwd' %}",
    "{% import 'os' as os %}",
    "{{ order | attr('__class__') }}",
])  # fmt: skip
def test_escape_attempts_are_refused_or_reveal_nothing(template: str) -> None:
    """Python objects are out of reach: an error, or (a name the record lacks) nothing."""
    try:
        result = render(template, CONTEXT)
    except TemplateFailure:
        return
    assert result.strip("x") == ""


@pytest.mark.parametrize("template", [
    "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
    "{% for i in range(100000000) %}x{% endfor %}",
    "{{ 'x' * 100000000 }}",
    "{{ 9 ** 999999 }}",
    "{% for i in range(10000) %}{{ order.customer_message }}{% endfor %}",
    "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
])  # fmt: skip
def test_runaway_templates_are_stopped_in_time(template: str) -> None:
    started = time.monotonic()
    with pytest.raises(TemplateFailure):
        render(template, CONTEXT)
    assert time.monotonic() - started < MAX_SECONDS * 4


def test_output_is_bounded() -> None:
    long_text = "{% for i in range(2000) %}0123456789{% endfor %}"
    with pytest.raises(TemplateFailure, match=str(MAX_OUTPUT)):
        render(long_text, CONTEXT)


def test_values_are_converted_to_the_field_type_or_named_as_not_fitting() -> None:
    mappings = FieldMappings(1, "afas", {"order": {
        "Qty": FieldSpec("{{ order.lines[0].quantity }}", kind="integer"),
        "Day": FieldSpec("2026-01-02", kind="date"),
        "Note": FieldSpec("{{ order.customer_message }}", kind="string", length=40),
        "Flag": FieldSpec("yes", kind="boolean"),
        "Empty": FieldSpec("{{ form.none }}"),
    }})  # fmt: skip
    assert evaluate(mappings, "order", CONTEXT) == {
        "Qty": 2, "Day": "2026-01-02", "Note": "Leave at the door", "Flag": True, "Empty": None,
    }  # fmt: skip


class Field:
    def __init__(self, kind: str = "string", length: int | None = None, required: bool = False):
        self.kind, self.length, self.required = kind, length, required


def test_saving_refuses_what_cannot_fit_naming_the_field() -> None:
    writable = {"order": {"Ref": Field(length=32), "Unit": Field("integer"), "Re": Field()}}
    templates = {"order": {
        "Ref": "{{ order.customer_message }}",  # a customer can type more than 32
        "Unit": "{{ order.reference }}x",  # not a number
        "Re": "{{ order.customer_message | upper }}",  # fine: no limit
        "Nope": "constant",  # the ERP has no such field
    }}  # fmt: skip
    problems = check_rules(build("afas", templates, writable), writable, {"order": CONTEXT})
    assert set(problems) == {"order.Ref", "order.Unit", "order.Nope"}
    assert "32" in problems["order.Ref"] and "truncate" in problems["order.Ref"]
    assert "whole number" in problems["order.Unit"]

    fixed = {"order": {"Ref": "{{ order.customer_message | truncate(32) }}"}}
    assert check_rules(build("afas", fixed, writable), writable, {"order": CONTEXT}) == {}


def test_saving_refuses_hostile_templates_naming_the_field() -> None:
    writable = {"order": {"Re": Field(), "Ds": Field(), "Fref": Field()}}
    templates = {"order": {
        "Re": "{{ ''.__class__.__mro__ }}",
        "Ds": "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
        "Fref": "{% for i in range(10000) %}{{ order.customer_message }}{% endfor %}",
    }}  # fmt: skip
    problems = check_rules(build("afas", templates, writable), writable, {"order": CONTEXT})
    assert set(problems) == {"order.Re", "order.Ds", "order.Fref"}
    assert "too long" in problems["order.Ds"] and "10000" in problems["order.Fref"]
