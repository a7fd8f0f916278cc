"""OpenAPI (issue 8 item 5): /docs works offline; every route documents its replies."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from api.schemas.license import LicenceLoad
from api.schemas.settings import SECTION_BODIES, SECTION_REPLIES, PreferencesChange
from domain.admins.admins_service import PREFERENCE_RULES
from domain.licensing.terms import POOLS
from domain.oauth.permissions import PERMISSIONS
from domain.settings.rules import SECTIONS
from tests.support import RunningApi

ASSET = re.compile(r"""(?:src|href|url)\s*[=:(]\s*['"]([^'"]+)['"]""")


def _assets(html: str) -> list[str]:
    return [url for url in ASSET.findall(html) if not url.startswith("#")]


def _site(api: RunningApi) -> httpx.Client:
    return httpx.Client(base_url=api.base_url, timeout=30)


def test_docs_load_every_asset_from_the_server_itself(api: RunningApi) -> None:
    with _site(api) as site:
        for page in ("/docs", "/redoc"):
            reply = site.get(page)
            assert reply.status_code == 200, page
            urls = _assets(reply.text)
            assert urls, page
            assert "cdn" not in reply.text.lower(), page
            for url in urls:
                assert url.startswith("/") and not url.startswith("//"), (page, url)  # same host
                assert site.get(url).status_code == 200, (page, url)


def test_docs_scripts_and_styles_are_served_with_their_types(api: RunningApi) -> None:
    with _site(api) as site:
        urls = _assets(site.get("/docs").text)
        js = [u for u in urls if u.endswith(".js")]
        css = [u for u in urls if u.endswith(".css")]
        assert js and css
        for url in js:
            reply = site.get(url)
            assert "javascript" in reply.headers["content-type"]
            assert "SwaggerUIBundle" in reply.text
        for url in css:
            assert site.get(url).headers["content-type"].startswith("text/css")
        assert site.get("/openapi.json").json()["info"]["title"] == "Quorum"


def test_every_route_documents_its_errors_as_the_api_sends_them(api: RunningApi) -> None:
    with _site(api) as site:
        schema = site.get("/openapi.json").json()
    operations = [op for path in schema["paths"].values() for op in path.values()]
    assert len(operations) > 100
    for op in operations:
        replies = op["responses"]
        assert "422" not in replies, op["operationId"]  # bad input is a 400 here
        if "text/html" in replies["400"]["content"]:
            continue  # the authorization-code login page refuses with a page
        for status in ("400", "401", "403", "404"):
            error = replies[status]["content"]["application/json"]["schema"]
            bodies = [one["$ref"] for one in error.get("anyOf", [error])]
            assert "#/components/schemas/ErrorBody" in bodies, op["operationId"]


def test_replies_and_exports_are_documented(api: RunningApi) -> None:
    with _site(api) as site:
        paths = site.get("/openapi.json").json()["paths"]

    def reply(path: str, method: str = "get", status: str = "200") -> dict[str, object]:
        content: dict[str, object] = paths[f"/api/v4{path}"][method]["responses"][status]["content"]
        return content

    assert reply("/users")["application/json"] == {
        "schema": {"$ref": "#/components/schemas/UserList"}
    }
    assert "text/csv" in reply("/users/export")
    assert "text/csv" in reply("/logs/events/export")
    assert "application/octet-stream" in reply("/files/{file_id}")
    created = reply("/conferences", "post", "201")["application/json"]
    assert created == {"schema": {"$ref": "#/components/schemas/Conference"}}
    token = paths["/api/v4/oauth2/token"]["post"]
    assert set(token["requestBody"]["content"]) == {
        "application/x-www-form-urlencoded",
        "application/json",
    }
    refused = token["responses"]["400"]["content"]["application/json"]["schema"]["anyOf"]
    assert {"$ref": "#/components/schemas/OAuthErrorBody"} in refused


def test_directory_groups_without_ldap_settings_is_a_409_naming_them(api: RunningApi) -> None:
    # Found by schemathesis: this was a 502, as if a directory had failed.
    with api.client(api.admin_token()) as c:
        reply = c.get("/settings/ldap/groups")
    assert reply.status_code == 409, reply.text
    fields = [e["location"] for e in reply.json()["error"]["errors"]]
    assert fields == ["ldap.host", "ldap.bind_dn", "ldap.base_dn"]


def _documented(schema: dict[str, Any], components: dict[str, Any]) -> bool:
    """An object schema naming its fields (itself, or each of its alternatives)."""
    if "$ref" in schema:
        return _documented(components[schema["$ref"].rsplit("/", 1)[1]], components)
    alternatives = schema.get("anyOf") or schema.get("oneOf")
    if alternatives:
        return all(_documented(one, components) for one in alternatives)
    return bool(schema.get("properties"))


def test_every_json_request_body_documents_its_fields(api: RunningApi) -> None:
    # A route reading `body: dict[str, Any]` shows an open object unless it documents
    # its fields (a request model, or api/schemas/common.py `json_body`): a new one can't skip it.
    with _site(api) as site:
        schema = site.get("/openapi.json").json()
    components = schema["components"]["schemas"]
    bodies = 0
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            content = op.get("requestBody", {}).get("content", {})
            if method not in ("post", "put", "patch") or "application/json" not in content:
                continue
            bodies += 1
            body = content["application/json"]["schema"]
            assert _documented(body, components), f"{method.upper()} {path}: {body}"
    assert bodies >= 30


def test_request_bodies_say_what_is_required_and_what_is_allowed(api: RunningApi) -> None:
    with _site(api) as site:
        document = site.get("/openapi.json").json()
    paths, components = document["paths"], document["components"]["schemas"]

    def body(path: str, method: str) -> dict[str, Any]:
        schema: dict[str, Any] = paths[f"/api/v4{path}"][method]["requestBody"]["content"][
            "application/json"
        ]["schema"]
        if "$ref" in schema:  # a route taking its request model names it in components
            schema = components[schema["$ref"].rsplit("/", 1)[1]]
        return schema

    created = body("/conferences", "post")
    assert set(created["required"]) == {"topic", "owner"}
    fields = created["properties"]
    assert fields["mode"]["enum"] == ["PxP", "S|L Auto", "S|L", "OxP"]
    assert fields["schedule"]["properties"]["type"]["enum"] == ["none", "once", "week"]
    assert fields["topic"]["maxLength"] == 256
    assert created["additionalProperties"] is False
    assert "$defs" not in json.dumps(created)  # nested models are inlined, not dangling refs
    edited = body("/conferences/{cid}", "patch")
    assert "required" not in edited  # a PATCH changes only what it gives
    assert all("default" not in field for field in edited["properties"].values())
    assert set(body("/users", "post")["required"]) == {"id", "password"}
    assert "required" not in body("/users/{user_id}", "patch")
    app = body("/oauth2/applications", "post")
    assert set(app["required"]) == {"name", "redirect_uri"}
    assert app["properties"]["permissions"]["items"]["enum"] == list(PERMISSIONS)
    sections = body("/settings/{section}", "patch")["anyOf"]
    assert len(sections) == len(SECTIONS)
    reply = paths["/api/v4/settings/{section}"]["get"]["responses"]["200"]["content"]
    assert len(reply["application/json"]["schema"]["anyOf"]) == len(SECTIONS)


def test_documented_settings_are_the_domain_rules() -> None:
    extra = {"ldap": {"bind_password"}, "user-storage": {"import_users"}}
    for model, section in zip(SECTION_BODIES, SECTIONS.values(), strict=True):
        assert set(model.model_fields) == set(section.rules) | extra.get(section.name, set())
    for reply, section in zip(SECTION_REPLIES, SECTIONS.values(), strict=True):
        assert set(section.defaults) <= set(reply.model_fields), section.name
    assert set(LicenceLoad.model_fields) == {"edition", *POOLS, "extensions", "expires_at"}
    assert set(PreferencesChange.model_fields) == set(PREFERENCE_RULES)
