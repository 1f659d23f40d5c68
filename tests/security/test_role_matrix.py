"""The whole role matrix against every API operation and every admin page.

Operations come from the generated OpenAPI schema (and every DRF route of the URL resolver must be in it); admin
pages from `admin.site._registry`. Nothing is listed by hand except the expectations (tests/security/role_matrix.py),
so a new endpoint or admin page is walked as soon as it exists and fails until the matrix says who reads it."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib import admin
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from core import roles
from tests.security.role_matrix import (
    ADMIN_EXTRA_PAGES,
    ADMIN_READERS,
    ADMIN_SEARCH_ONLY,
    API_READERS,
    EVERY_ROLE,
    PUBLIC_WRITES,
    ROLES_IN_ORDER,
)
from tests.security.world import ANONYMOUS, SUPERUSER, World, build_world

ROOT = Path(__file__).resolve().parents[2]
REFUSED = {401, 403, 404}
# Routes of the resolver that are not API operations: the browsable root of a DefaultRouter.
NOT_OPERATIONS = {"/api/v1/council/"}


@pytest.fixture(scope="module")
def world_rows(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    """Built once for the module inside a transaction that is rolled back at the end (each test runs in a
    savepoint of it, as with Django's setUpTestData)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def world(world_rows: World, db: Any) -> World:
    return world_rows


def schema_paths() -> dict[str, dict[str, Any]]:
    return SchemaGenerator().get_schema(request=None, public=True)["paths"]


def api_client(world: World, role: str) -> APIClient:
    client = APIClient()
    user = world.users[role]
    if user is not None:
        client.force_authenticate(user)
    return client


# --- filling path parameters with real rows --------------------------------------------------------------------


def view_of(path: str) -> Any:
    """The DRF view class behind a schema path (parameters filled with a placeholder)."""
    return resolve(re.sub(r"\{[^}]+\}", "1", path)).func.cls


def model_of(path: str) -> Any:
    queryset = getattr(view_of(path), "queryset", None)
    return queryset.model if queryset is not None else None


def row_key(path: str) -> str:
    return getattr(view_of(path), "lookup_field", "pk")


def fill(path: str, value: Any) -> str:
    return re.sub(r"\{[^}]+\}", str(value), path)


def param_values(world: World, path: str, role: str, spec: dict[str, Any]) -> list[tuple[Any, bool]]:
    """(value, expected visible to `role`) for the path's one parameter."""
    if "{policy_id}" in path:
        return [(world.objects["version"].policy_id, True)]
    if "{reference}" in path:
        return [(world.objects["claim"].reference, True)]
    model = model_of(path)
    label = model._meta.label
    if role in spec["own"]:
        own = world.own[role][label]
        others = set(model._default_manager.exclude(pk__in=own).values_list("pk", flat=True))
        assert own and others, f"{path}: the world needs rows of {label} both owned and not owned by {role}"
        return [(min(own), True), (min(others), False)]
    if label == "compensation.PolicyVersion":
        return [(world.objects["version"].pk, True)]
    first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
    assert first is not None, f"{path}: the world has no {label} row"
    return [(first, True)]


def list_rows(client: APIClient, url: str, key: str) -> set[Any]:
    rows: set[Any] = set()
    next_url: str | None = url + ("&" if "?" in url else "?") + "page_size=500"
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        body = response.json()
        results = body["results"] if isinstance(body, dict) and "results" in body else body
        rows |= {row[key] for row in results}
        next_url = body.get("next") if isinstance(body, dict) else None
    return rows


def no_data(response: Any) -> bool:
    """A refusal carries at most a `detail` message."""
    if not response.content:
        return True
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and set(body) <= {"detail"}


# --- the API --------------------------------------------------------------------------------------------------


def drf_routes() -> Iterator[str]:
    """Every DRF route of the URL resolver as an OpenAPI-style path (format-suffix variants left out)."""

    def walk(patterns: list[Any], prefix: str) -> Iterator[tuple[str, Any]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), pattern.callback

    for route, callback in walk(get_resolver().url_patterns, "/"):
        if not hasattr(callback, "cls") or "format" in route:
            continue
        path = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route)
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", path).replace("^", "").replace("$", "")
        if path.startswith("/api/v1/"):
            yield path.replace("{pk}", "{id}")


def test_every_api_route_is_in_the_schema_and_the_matrix() -> None:
    paths = schema_paths()
    missing_from_schema = sorted(set(drf_routes()) - set(paths) - NOT_OPERATIONS)
    assert not missing_from_schema, f"DRF routes left out of the OpenAPI schema: {missing_from_schema}"
    gets = {path for path, ops in paths.items() if "get" in ops}
    assert not gets - set(API_READERS), (
        f"add these GET operations to role_matrix.API_READERS: {gets - set(API_READERS)}"
    )
    assert not set(API_READERS) - gets, f"no longer in the schema: {set(API_READERS) - gets}"


def test_api_reads_by_role(world: World) -> None:
    failures: list[str] = []
    paths = schema_paths()
    for path in sorted(p for p, ops in paths.items() if "get" in ops):
        spec = API_READERS[path]
        is_list = "{" not in path
        model = model_of(path)
        for role in EVERY_ROLE:
            client = api_client(world, role)
            allowed = role == SUPERUSER or role in spec["readers"] or role in spec["own"]
            if is_list:
                url = path
                if not allowed:
                    response = client.get(url)
                    if response.status_code not in REFUSED or not no_data(response):
                        failures.append(f"{role} GET {url}: {response.status_code} {response.content[:200]!r}")
                    continue
                if model is None:
                    response = client.get(url)
                    if response.status_code != 200:
                        failures.append(f"{role} GET {url}: {response.status_code}, expected 200")
                    continue
                key = row_key(path)
                field = "reference" if key == "reference" else "id"
                try:
                    got = list_rows(client, url, field)
                except AssertionError as exc:
                    failures.append(f"{role} GET {url}: {exc}")
                    continue
                if role in spec["own"]:
                    expected = set(world.own[role][model._meta.label])
                elif spec["rows"] is not None:
                    expected = set(spec["rows"]())
                else:
                    expected = set(model._default_manager.values_list(key, flat=True))
                if got != expected:
                    failures.append(f"{role} GET {url}: rows {sorted(got)}, expected {sorted(expected)}")
                continue
            for value, visible in param_values(world, path, role, spec):
                url = fill(path, value)
                response = client.get(url)
                if allowed and visible:
                    if response.status_code != 200:
                        failures.append(f"{role} GET {url}: {response.status_code}, expected 200")
                elif response.status_code not in REFUSED or not no_data(response):
                    failures.append(f"{role} GET {url}: {response.status_code} {response.content[:200]!r}")
    assert not failures, "\n".join(failures)


def governing_read(path: str) -> str:
    """The read whose audience may attempt a write: for an action on an object (`.../{id}/approve/`, or a POST to
    `.../{reference}/notes/`) the object's detail, for a collection (`POST .../batches/`) the list; the nearest
    ancestor in the matrix when that read does not exist."""
    if re.search(r"\}/[^/{}]+/$", path):
        path = path.rstrip("/").rsplit("/", 1)[0] + "/"
    while path not in API_READERS:
        path = path.rstrip("/").rsplit("/", 1)[0] + "/"
        assert path != "/", "no read governs this write"
    return path


def test_api_writes_refused_to_those_who_cannot_read(world: World) -> None:
    """Roles outside a resource's audience are refused every write on it before anything is validated."""
    failures: list[str] = []
    for path, operations in sorted(schema_paths().items()):
        writes = sorted(set(operations) & {"post", "put", "patch", "delete"})
        spec = API_READERS[governing_read(path)] if writes else None
        for method in writes:
            if (method.upper(), path) in PUBLIC_WRITES:
                continue
            for role in EVERY_ROLE:
                if role == SUPERUSER or role in spec["readers"] or role in spec["own"]:
                    continue
                values = param_values(world, path, SUPERUSER, spec) if "{" in path else [(None, True)]
                url = fill(path, values[0][0]) if "{" in path else path
                response = getattr(api_client(world, role), method)(url, {}, format="json")
                if response.status_code not in REFUSED or not no_data(response):
                    failures.append(f"{role} {method.upper()} {url}: {response.status_code} {response.content[:200]!r}")
    assert not failures, "\n".join(failures)


# --- the admin ------------------------------------------------------------------------------------------------


def admin_client(world: World, role: str) -> Client:
    client = Client()
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    return client


def test_every_admin_model_is_in_the_matrix() -> None:
    registered = {model._meta.label for model in admin.site._registry}
    assert not registered - set(ADMIN_READERS), f"add to role_matrix.ADMIN_READERS: {registered - set(ADMIN_READERS)}"
    assert not set(ADMIN_READERS) - registered, f"no longer registered: {set(ADMIN_READERS) - registered}"


def _expect_admin(world: World, role: str, audience: frozenset[str]) -> str:
    user = world.users[role]
    if user is None or not user.is_staff:
        return "login"
    return "ok" if role == SUPERUSER or role in audience else "refused"


def _check_admin_page(response: Any, expect: str) -> str | None:
    if expect == "login":
        if response.status_code == 302 and "/admin/login/" in response["Location"]:
            return None
    elif expect == "refused":
        if response.status_code == 403:
            return None
    elif response.status_code == 200:
        return None
    return f"{response.status_code} (expected {expect})"


@pytest.mark.slow
def test_admin_pages_by_role(world: World) -> None:
    failures: list[str] = []
    for model in admin.site._registry:
        label = model._meta.label
        info = (model._meta.app_label, model._meta.model_name)
        changelist = reverse("admin:{}_{}_changelist".format(*info))
        # The admin's own idea of an object's id (TokenProxy's is its user's id, not the key).
        first = model._default_manager.order_by("pk").first() if model._meta.managed else None
        assert first is not None or not model._meta.managed, f"the world has no {label} row"
        change = reverse("admin:{}_{}_change".format(*info), args=[first.pk]) if first is not None else None
        for role in EVERY_ROLE:
            client = admin_client(world, role)
            expect = _expect_admin(world, role, ADMIN_READERS[label])
            response = client.get(changelist)
            problem = _check_admin_page(response, expect)
            if problem:
                failures.append(f"{role} {changelist}: {problem}")
            elif expect == "ok" and response.context_data and "cl" in response.context_data:
                shown = set(response.context_data["cl"].queryset.values_list("pk", flat=True))
                everything = (
                    set() if label in ADMIN_SEARCH_ONLY else set(model._default_manager.values_list("pk", flat=True))
                )
                if shown != everything:
                    failures.append(f"{role} {changelist}: rows {sorted(shown)}, expected {sorted(everything)}")
            elif expect != "ok" and response.status_code == 200:
                failures.append(f"{role} {changelist}: data shown")
            if change is None:
                continue
            problem = _check_admin_page(client.get(change), expect)
            if problem:
                failures.append(f"{role} {change}: {problem}")
    for url, audience in ADMIN_EXTRA_PAGES.items():
        for role in EVERY_ROLE:
            problem = _check_admin_page(admin_client(world, role).get(url), _expect_admin(world, role, audience))
            if problem:
                failures.append(f"{role} {url}: {problem}")
    assert not failures, "\n".join(failures)


# --- the matrix agrees with core/roles.py and docs/roles.md ----------------------------------------------------


def test_outside_roles_hold_no_staff_flag_and_reach_nothing(world: World) -> None:
    for role in (roles.COUNCIL_MEMBER, roles.AFFILIATE):
        assert not world.users[role].is_staff
    assert all(roles.COUNCIL_MEMBER not in spec["readers"] | spec["own"] for spec in API_READERS.values())


def test_matrix_table_in_docs_matches_the_data() -> None:
    table = docs_table()
    for cells in table.values():
        assert list(cells) == ROLES_IN_ORDER, f"docs/roles.md columns: {list(cells)}"
    expected = matrix_rows()
    assert table == expected, "docs/roles.md role-matrix table is out of date; expected:\n" + render_table(expected)


def matrix_rows() -> dict[str, dict[str, str]]:
    """One docs row per API GET path and per admin model; cells "all", "own" or "—"."""
    rows: dict[str, dict[str, str]] = {}
    for path, spec in API_READERS.items():
        rows[f"API `{path}`"] = {
            role: "all" if role in spec["readers"] else "own" if role in spec["own"] else "—" for role in ROLES_IN_ORDER
        }
    for label, audience in sorted(ADMIN_READERS.items()):
        rows[f"admin `{label}`"] = {role: "all" if role in audience else "—" for role in ROLES_IN_ORDER}
    return rows


def render_table(rows: dict[str, dict[str, str]]) -> str:
    header = "| Page | " + " | ".join(f"`{role}`" for role in ROLES_IN_ORDER) + " |"
    lines = [header, "|" + " --- |" * (len(ROLES_IN_ORDER) + 1)]
    for name, cells in rows.items():
        lines.append(f"| {name} | " + " | ".join(cells[role] for role in ROLES_IN_ORDER) + " |")
    return "\n".join(lines)


def docs_table() -> dict[str, dict[str, str]]:
    text = (ROOT / "docs" / "roles.md").read_text()
    match = re.search(r"<!-- role-matrix:start -->\n(.*?)<!-- role-matrix:end -->", text, re.S)
    assert match, "docs/roles.md lacks the role-matrix table markers"
    lines = [line for line in match.group(1).splitlines() if line.startswith("|")]
    columns = [cell.strip().strip("`") for cell in lines[0].strip("|").split("|")][1:]
    rows: dict[str, dict[str, str]] = {}
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0]] = dict(zip(columns, cells[1:], strict=True))
    return rows


def test_anonymous_and_role_names_cover_core_roles() -> None:
    assert set(roles.ROLES) <= set(ROLES_IN_ORDER)
    assert ANONYMOUS in ROLES_IN_ORDER
