"""Groups (§13.3), aliases (§13.4) and address books (§13.2.4, §13.3.5) over HTTP."""

from __future__ import annotations

from tests.support import RunningApi


def test_built_in_groups_exist_and_cannot_be_renamed_or_deleted(api: RunningApi) -> None:
    token = api.admin_token()
    with api.client(token) as c:
        ids = {g["id"] for g in c.get("/groups").json()["groups"]}
        assert {"@no_group", "@federated", "@guests"} <= ids
        renamed = c.patch("/groups/@guests", json={"display_name": "Visitors"})
        assert renamed.status_code == 409
        assert c.delete("/groups/@federated").status_code == 409
        rights = c.patch("/groups/@guests", json={"rights": {"file_send": False}})
        assert rights.json()["rights"]["file_send"] is False


def test_members_move_in_and_out_and_no_group_holds_the_rest(api: RunningApi) -> None:
    token = api.admin_token()
    with api.client(token) as c:
        c.post("/users", json={"id": "jane", "password": "Secret123"})
        it = c.post("/groups", json={"display_name": "IT"}).json()["id"]
        assert c.get("/groups/@no_group/users").json()["cnt"] == 1
        assert c.post(f"/groups/{it}/users", json={"user_id": "jane"}).status_code == 201
        assert [u["id"] for u in c.get(f"/groups/{it}/users").json()["users"]] == ["jane"]
        assert c.get("/groups/@no_group/users").json()["cnt"] == 0
        assert c.delete(f"/groups/{it}").status_code == 204
        jane = c.get("/users/jane").json()
        assert jane["groups"] == [{"id": "@no_group", "display_name": "Users without group"}]


def test_bad_group_input_names_the_field(api: RunningApi) -> None:
    token = api.admin_token()
    head = api.head()
    with api.client(token) as c:
        for body, field in [
            ({"display_name": ""}, "display_name"),
            ({"display_name": "IT", "rights": {"slideshow": "yes"}}, "rights.slideshow"),
            ({"display_name": "IT", "rights": {"flying": True}}, "rights.flying"),
            ({"display_name": "IT", "owner": "me"}, "owner"),
        ]:
            reply = c.post("/groups", json=body)
            assert reply.status_code == 400, body
            assert reply.json()["error"]["errors"][0]["location"] == field
    assert api.head() == head


def test_aliases_resolve_and_are_unique(api: RunningApi) -> None:
    token = api.admin_token()
    with api.client(token) as c:
        made = c.post("/aliases", json={"alias": "Support", "call_string": "#sip:100@pbx"})
        assert made.status_code == 201
        assert c.get("/aliases/support").json()["call_string"] == "#sip:100@pbx"
        taken = c.post("/aliases", json={"alias": "SUPPORT", "call_string": "jane"})
        assert taken.status_code == 409
        assert taken.json()["error"]["errors"][0]["reason"] == "uniqueValueAlreadyInUse"
        too_long = c.post("/aliases", json={"alias": "a" * 33, "call_string": "jane"})
        assert too_long.json()["error"]["errors"][0]["reason"] == "tooLong"
        bad = c.post("/aliases", json={"alias": "has-dash", "call_string": "jane"})
        assert bad.status_code == 400
        assert c.delete("/aliases/support").status_code == 204
        assert c.get("/aliases/support").status_code == 404


def test_the_effective_address_book_is_the_union_and_group_entries_stay(
    api: RunningApi,
) -> None:
    admin = api.admin_token()
    with api.client(admin) as c:
        sales = c.post("/groups", json={"display_name": "Sales"}).json()["id"]
        c.post("/users", json={"id": "jane", "password": "Secret123", "groups": [sales]})
        c.post("/users", json={"id": "bob", "password": "Secret123", "groups": [sales]})
        c.post("/users", json={"id": "eve", "password": "Secret123"})
        book = {
            "mode": "groups",
            "groups": [sales],
            "entries": [{"call_string": "#sip:helpdesk@pbx", "display_name": "Helpdesk"}],
        }
        assert c.patch(f"/groups/{sales}/addressbook", json=book).is_success
        assert c.patch(f"/groups/{sales}/addressbook", json={"mode": "some"}).status_code == 400
    jane = api.user_token("jane")
    with api.client(jane) as c:
        mine = c.post("/users/jane/addressbook", json={"call_string": "eve"})
        assert mine.status_code == 201
        entries = c.get("/users/jane/addressbook").json()["list"]
        assert {e["call_string"]: e["removable"] for e in entries} == {
            "bob": False,
            "#sip:helpdesk@pbx": False,
            "eve": True,
        }
        group_entry = next(e for e in entries if e["call_string"] == "#sip:helpdesk@pbx")
        refused = c.delete(f"/users/jane/addressbook/{group_entry['id']}")
        assert refused.status_code == 404
        assert c.delete(f"/users/jane/addressbook/{mine.json()['id']}").status_code == 204
        assert c.get("/users/bob/addressbook").status_code == 403
        assert c.get("/groups").status_code == 403
