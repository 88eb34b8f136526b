"""Merchant templates: one ERP field's value from a record, safely.

A merchant's template is untrusted text evaluated in a worker, so the engine is
Jinja2's :class:`~jinja2.sandbox.SandboxedEnvironment`, narrowed further:

* **no attribute access outside the record** — the context is plain data (dicts,
  lists, strings, numbers: see :func:`plain`), and ``a.b`` / ``a["b"]`` only
  look up keys of a dict or items of a list; any Python attribute (``''.__class__``,
  ``order.items``) is a :class:`TemplateFailure`;
* **no I/O** — no loader (``include``/``import``/``extends`` find nothing), no
  globals but a bounded ``range``, and only the filters below;
* **bounded time and output** — a deadline checked on every call, every ``range``
  step and every output chunk, ``*`` and ``**`` refused on big operands, output
  cut off at :data:`MAX_OUTPUT` characters.

The filters are the ones the merchant needs: ``upper``, ``lower``, ``trim``,
``truncate(n)``, ``default(x)``, ``date("%d-%m-%Y")``, ``replace(a, b)`` and
``lookup("table")`` (a merchant table of the mapping set).
"""

from __future__ import annotations

import contextvars
import dataclasses
import enum
import functools
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from jinja2 import ChainableUndefined, Template, TemplateSyntaxError, Undefined
from jinja2.runtime import Macro
from jinja2.sandbox import SandboxedEnvironment

#: Longest value a template may produce (characters); longer output stops the template.
MAX_OUTPUT = 10_000
#: Wall-clock budget of one evaluation, seconds.
MAX_SECONDS = 0.25
#: Longest template a merchant may save (characters).
MAX_SOURCE = 2_000
#: Largest ``range`` and largest operand of ``*`` / ``**``.
MAX_RANGE = 10_000


class TemplateFailure(Exception):
    """A template that cannot be saved or did not produce a value; says which and why."""

    def __init__(self, message: str, *, template: str = "", field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.template = template
        self.field = field


class _Budget:
    """The deadline and output count of one evaluation."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise TemplateFailure("the template took too long (stopped)")


#: The running evaluation's budget and lookup tables (per thread / greenlet / task: one
#: environment and its compiled templates serve every evaluation).
_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("budget", default=None)
_TABLES: contextvars.ContextVar[Mapping[str, Mapping[str, str]] | None] = contextvars.ContextVar(
    "tables", default=None
)


def _check_budget() -> None:
    budget = _BUDGET.get()
    if budget is not None:
        budget.check()


class _MapperEnvironment(SandboxedEnvironment):
    """The sandbox with attribute access limited to the record's keys and items."""

    intercepted_binops = frozenset({"*", "**"})

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        return False  # no Python attribute at all: records are dicts, see getattr

    def is_safe_callable(self, obj: Any) -> bool:
        return isinstance(obj, _Allowed)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, Undefined):
            return obj  # a missing field's sub-field is missing too ("" when printed)
        if isinstance(obj, Mapping):
            if attribute in obj:
                return obj[attribute]
            return self.undefined(obj=obj, name=attribute)
        raise TemplateFailure(f'"{attribute}" is not a field of the record')

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(obj, Undefined):
            return obj
        if isinstance(obj, Mapping) and isinstance(argument, str):
            return obj[argument] if argument in obj else self.undefined(obj=obj, name=argument)
        if isinstance(obj, Sequence) and isinstance(argument, int | slice):
            try:
                return obj[argument]
            except IndexError:
                return self.undefined(obj=obj, name=str(argument))
        if isinstance(argument, str):
            raise TemplateFailure(f'"{argument}" is not a field of the record')
        return self.undefined(obj=obj, name=str(argument))

    def call(self, context: Any, obj: Any, *args: Any, **kwargs: Any) -> Any:
        _check_budget()
        if not isinstance(obj, _Allowed) and not isinstance(obj, Macro):
            raise TemplateFailure("only the mapper's filters can be called")
        return super().call(context, obj, *args, **kwargs)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        for operand in (left, right):
            if _too_big(operand):
                raise TemplateFailure(f"{operator} on a value this large is not allowed")
        return super().call_binop(context, operator, left, right)


def _too_big(operand: Any) -> bool:
    if isinstance(operand, str | list | tuple):
        return len(operand) > MAX_RANGE
    if isinstance(operand, Decimal):
        return abs(operand) > Decimal(MAX_RANGE)
    if isinstance(operand, int | float):
        return abs(operand) > MAX_RANGE
    return False


class _Allowed:
    """A callable the template may call (the bounded ``range``)."""

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func

    def __call__(self, *args: Any) -> Any:
        return self.func(*args)


def _bounded_range(*args: int) -> Iterator[int]:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise TemplateFailure(f"range() is limited to {MAX_RANGE} steps")
    for number in numbers:
        _check_budget()
        yield number


# -- filters -------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None or isinstance(value, Undefined) else str(value)


def _truncate(value: Any, length: int = 255, end: str = "") -> str:
    text = _text(value)
    return text if len(text) <= length else text[: max(0, int(length) - len(end))] + end


def _default(value: Any, fallback: Any = "", boolean: bool = True) -> Any:
    if isinstance(value, Undefined) or value is None or (boolean and not value):
        return fallback
    return value


def _date(value: Any, fmt: str = "%Y-%m-%d") -> str:
    if isinstance(value, Undefined) or value in (None, ""):
        return ""
    moment = value if isinstance(value, date) else datetime.fromisoformat(str(value))
    return moment.strftime(fmt)


def _replace(value: Any, old: str, new: str, count: int = -1) -> str:
    result = _text(value).replace(str(old), str(new), int(count))
    if len(result) > MAX_OUTPUT:
        raise TemplateFailure("replace() made the value too long")
    return result


FILTERS: dict[str, Callable[..., Any]] = {
    "upper": lambda v: _text(v).upper(),
    "lower": lambda v: _text(v).lower(),
    "trim": lambda v: _text(v).strip(),
    "truncate": _truncate,
    "default": _default,
    "date": _date,
    "replace": _replace,
}


def _lookup(value: Any, table: str, fallback: Any = None) -> Any:
    """The value's row in the mapping's lookup table ``table`` (else itself, or ``fallback``)."""
    rows = (_TABLES.get() or {}).get(str(table))
    if rows is None:
        raise TemplateFailure(f'there is no table "{table}" in the mapping')
    key = _text(value)
    if key in rows:
        return rows[key]
    return key if fallback is None else fallback


@functools.cache
def _environment() -> _MapperEnvironment:
    """The one environment (no loader, only the mapper's filters and a bounded range)."""
    env = _MapperEnvironment(undefined=ChainableUndefined, autoescape=False, loader=None)
    env.filters = {**FILTERS, "lookup": _lookup}
    env.globals = {"range": _Allowed(_bounded_range)}
    return env


@functools.lru_cache(maxsize=2048)
def _compiled(source: str) -> Template:
    """``source`` compiled once (a mapping's templates run for every record)."""
    try:
        return _environment().from_string(source)
    except TemplateSyntaxError as exc:
        raise TemplateFailure(f"syntax error: {exc.message}", template=source) from None


# -- evaluation ----------------------------------------------------------------------------------


def check_syntax(source: str, tables: Mapping[str, Mapping[str, str]] | None = None) -> None:
    """Raise :class:`TemplateFailure` when ``source`` is not a template the mapper runs."""
    if len(source) > MAX_SOURCE:
        raise TemplateFailure(f"the template is longer than {MAX_SOURCE} characters",
                              template=source[:80])  # fmt: skip
    _compiled(source)


def render(
    source: str,
    context: Mapping[str, Any],
    tables: Mapping[str, Mapping[str, str]] | None = None,
    *,
    seconds: float = MAX_SECONDS,
) -> str:
    """The text ``source`` produces over ``context`` (plain data, see :func:`plain`).

    Raises:
        TemplateFailure: a syntax error, an attribute outside the record, a call
            that is not a filter, too long a run or too long an output.
    """
    check_syntax(source, tables)
    budget = _Budget(seconds)
    budget_token, tables_token = _BUDGET.set(budget), _TABLES.set(tables or {})
    try:
        out: list[str] = []
        size = 0
        for chunk in _compiled(source).generate(**context):
            budget.check()
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise TemplateFailure(f"the template produced more than {MAX_OUTPUT} characters")
            out.append(chunk)
    except TemplateFailure as exc:
        exc.template = source
        raise
    except RecursionError:
        raise TemplateFailure("the template calls itself too deeply", template=source) from None
    except Exception as exc:  # the template's own error (a bad date, a bad number): named
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        raise TemplateFailure(message, template=source) from None
    finally:
        _BUDGET.reset(budget_token)
        _TABLES.reset(tables_token)
    return "".join(out)


def plain(value: Any) -> Any:
    """A record (frozen dataclass, enum, Decimal, date) as plain data a template may read."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
