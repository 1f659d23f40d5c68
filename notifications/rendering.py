"""Message templates use Django template syntax, rendered as plain text (no HTML escaping).

`template_variables` reads a template without rendering it and lists every variable it uses, so a save can be
refused when one is not in the event's catalogue entry: a typo never reaches 100,000 people."""

import functools
from typing import Any

from django.template import Context, Engine, NodeList
from django.template.base import FilterExpression, Variable
from django.utils import translation

ENGINE = Engine(
    autoescape=False,
    builtins=[
        "django.contrib.humanize.templatetags.humanize",
        "notifications.templatetags.notification_format",
    ],
    string_if_invalid="",
)
# Names templates may use besides the event's variables.
_BUILTIN_NAMES = {"forloop", "True", "False", "None"}


@functools.lru_cache(maxsize=256)
def template_compile(source: str) -> Any:
    """Parse a template (raises django.template.TemplateSyntaxError). Cached: a campaign renders one source
    100,000 times."""
    return ENGINE.from_string(source)


def _expression_roots(expression: FilterExpression) -> set[str]:
    roots: set[str] = set()
    if isinstance(expression.var, Variable) and expression.var.lookups:
        roots.add(expression.var.lookups[0])
    for _func, args in expression.filters:
        for is_lookup, arg in args:
            if is_lookup and isinstance(arg, Variable) and arg.lookups:
                roots.add(arg.lookups[0])
    return roots


def _scan(value: Any, used: set[str], defined: set[str], seen: set[int]) -> None:
    if id(value) in seen or value is None or isinstance(value, str | int | float | bool):
        return
    seen.add(id(value))
    if isinstance(value, FilterExpression):
        used.update(_expression_roots(value))
    elif isinstance(value, Variable):
        if value.lookups:
            used.add(value.lookups[0])
    elif isinstance(value, list | tuple | NodeList):
        for item in value:
            _scan(item, used, defined, seen)
    elif isinstance(value, dict):
        defined.update(key for key in value if isinstance(key, str))
        for item in value.values():
            _scan(item, used, defined, seen)
    elif hasattr(value, "__dict__"):
        # Nodes ({% if %} conditions, {% for %}, {% with %}, ...) keep their expressions in attributes.
        if type(value).__name__ == "ForNode":
            defined.update(value.loopvars)
        for name, item in vars(value).items():
            if name not in ("token", "origin"):
                _scan(item, used, defined, seen)


def template_variables(source: str) -> set[str]:
    """Every top-level variable name the template reads and does not define itself ({% for %}, {% with %})."""
    template = template_compile(source)
    used: set[str] = set()
    defined: set[str] = set()
    _scan(template.nodelist, used, defined, set())
    return used - defined - _BUILTIN_NAMES


def render(source: str, context: dict[str, Any], *, language: str = "ko") -> str:
    return render_many([source], context, language=language)[0]


def render_many(sources: list[str], context: dict[str, Any], *, language: str = "ko") -> list[str]:
    """Render several templates with one context in one language (switching language costs more than a render,
    and a campaign renders 100,000 rows)."""

    def run() -> list[str]:
        return [
            template_compile(source).render(Context(context, autoescape=False)).strip() if source else ""
            for source in sources
        ]

    if translation.get_language() == language:
        return run()
    with translation.override(language):
        return run()


_TAG = "__t"


def _encode(value: Any) -> Any:
    from datetime import date, datetime
    from decimal import Decimal

    if isinstance(value, datetime):
        return {_TAG: "datetime", "v": value.isoformat()}
    if isinstance(value, date):
        return {_TAG: "date", "v": value.isoformat()}
    if isinstance(value, Decimal):
        return {_TAG: "decimal", "v": str(value)}
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _decode(value: Any) -> Any:
    from datetime import date, datetime
    from decimal import Decimal

    if isinstance(value, dict):
        kind = value.get(_TAG)
        if kind == "datetime":
            return datetime.fromisoformat(value["v"])
        if kind == "date":
            return date.fromisoformat(value["v"])
        if kind == "decimal":
            return Decimal(value["v"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def context_dump(context: dict[str, Any]) -> dict[str, Any]:
    """JSON for the outbox row, keeping dates as dates so a later fallback renders them the same way."""
    return _encode(context)


def context_load(stored: dict[str, Any]) -> dict[str, Any]:
    return _decode(stored or {})
