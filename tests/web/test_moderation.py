"""The moderation inbox: filter by status and region scope; handled / hidden / hoax with a
note, audited; role and scope checks; the page's buttons."""

from __future__ import annotations

import json

from tests.web.conftest import Web

TANGERANG_RT = "3671010001.RW001.RT001"
SERANG_RT = "3673010001.RW001.RT001"


async def _replies(web: Web) -> tuple[int, int]:
    d = web.rig.app.directory
    tangerang = await d.add_group("admin", "scripted", "g-tng", TANGERANG_RT, "rt")
    serang = await d.add_group("admin", "scripted", "g-srg", SERANG_RT, "rt")
    store = web.rig.app.store
    r1 = await store.add_reply("scripted", tangerang.id, "a" * 16, "Benarkah ada banjir?")
    r2 = await store.add_reply("scripted", serang.id, "b" * 16, "Katanya air PAM beracun")
    return r1.id, r2.id


async def test_moderate_via_api_with_audit_and_filters(web: Web) -> None:
    r1, r2 = await _replies(web)
    async with web.client(token_of="serang_verifier") as client:
        listed = (await client.get("/api/v1/inbox")).json()
        assert [r["id"] for r in listed] == [r2]  # only Serang's reply
        r = await client.post(f"/api/v1/inbox/{r2}/moderate", json={"status": "hoax"})
        assert r.status_code == 422 and "note" in r.json()["detail"]
        r = await client.post(
            f"/api/v1/inbox/{r2}/moderate", json={"status": "hoax", "note": "hoaks lama 2019"}
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["status"] == "hoax" and body["note"] == "hoaks lama 2019"
        assert body["moderated_by"] == "serang_verifier" and body["moderated_at"]
        # outside the scope: denied, and the reply is unchanged
        r = await client.post(f"/api/v1/inbox/{r1}/moderate", json={"status": "hidden"})
        assert r.status_code == 403 and "scoped to region" in r.json()["detail"]
        r = await client.get("/api/v1/inbox?region=3671")
        assert r.status_code == 403
    async with web.client(token_of="admin") as client:
        everything = (await client.get("/api/v1/inbox")).json()
        assert [r["id"] for r in everything] == [r2, r1]
        assert everything[1]["status"] == "new"
        only_hoax = (await client.get("/api/v1/inbox?status=hoax")).json()
        assert [r["id"] for r in only_hoax] == [r2]
        both = (await client.get("/api/v1/inbox?status=hoax&status=new")).json()
        assert len(both) == 2
        assert (await client.get("/api/v1/inbox?region=3673")).json()[0]["id"] == r2
        assert (await client.get("/api/v1/inbox?status=deleted")).status_code == 422
        r = await client.post(f"/api/v1/inbox/{r1}/moderate", json={"status": "handled"})
        assert r.json()["status"] == "handled" and r.json()["note"] is None
        audit = (await client.get("/api/v1/audit?type=reply")).json()
    details = [json.loads(e["detail"]) for e in audit]
    assert [
        (e["actor"], e["object_id"], d["status"]) for e, d in zip(audit, details, strict=True)
    ] == [
        ("admin", str(r1), "handled"),
        ("serang_verifier", str(r2), "hoax"),
    ]
    assert details[1]["note"] == "hoaks lama 2019" and details[1]["previous"] == "new"
    # a group admin reads but may not moderate
    async with web.client(token_of="rt_admin") as client:
        assert [r["id"] for r in (await client.get("/api/v1/inbox")).json()] == [r1]
        r = await client.post(f"/api/v1/inbox/{r1}/moderate", json={"status": "hidden"})
        assert r.status_code == 403


async def test_inbox_page_buttons_moderate_with_csrf(web: Web) -> None:
    r1, r2 = await _replies(web)
    client, csrf = await web.login("officer")
    page = await client.get("/inbox")
    assert page.status_code == 200
    assert f'action="/inbox/{r1}/moderate"' in page.text and "Hoaks" in page.text
    r = await client.post(f"/inbox/{r1}/moderate", data={"status": "hidden"})
    assert r.status_code == 403  # no CSRF token
    r = await client.post(
        f"/inbox/{r1}/moderate",
        data={"status": "hidden", "note": "di luar topik", "csrf_token": csrf},
        headers={"referer": "http://testserver/inbox?status=new"},
    )
    assert r.status_code == 303 and r.headers["location"] == "/inbox?status=new"
    new_only = (await client.get("/inbox")).text  # default filter: new
    assert f'id="reply-{r2}"' in new_only and f'id="reply-{r1}"' not in new_only
    hidden = (await client.get("/inbox?status=hidden")).text
    assert f'id="reply-{r1}"' in hidden and "di luar topik" in hidden
    assert "disembunyikan" in hidden
    r = await client.post(f"/inbox/{r2}/moderate", data={"status": "hoax", "csrf_token": csrf})
    assert r.status_code == 422  # a hoax needs a note
    reader, _ = await web.login("rt_admin")
    text = (await reader.get("/inbox?status=hidden&status=new")).text
    assert f'id="reply-{r1}"' in text and f'id="reply-{r2}"' not in text
    assert 'action="/inbox/' not in text  # no buttons for a role that cannot moderate
