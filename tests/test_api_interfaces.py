"""The interface table: defaults, validation, UpdateInterface, GetInterface, and the built-in images."""
from __future__ import annotations

import base64
import struct
import uuid

import pytest

from mock_server.domain import defaults

API = "/api/workflow"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG_MAGIC) and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_add_interface_defaults(client, auth):
    resp = client.post(f"{API}/AddInterface", json={}, headers=auth)
    assert resp.status_code == 201
    iface = resp.get_json()
    assert uuid.UUID(iface["interface_id"]).version == 4
    wf = client.post(f"{API}/AddWorkflow", json={"name": "x"}, headers=auth).get_json()
    assert iface["organization_id"] == wf["organization_id"]
    assert iface["primary_color"] == "#00A19A"
    assert iface["icon_file_id"] == defaults.DEFAULT_ICON_FILE_ID
    assert iface["logo_file_id"] == defaults.DEFAULT_LOGO_FILE_ID
    assert iface["icon_file_id"] != iface["logo_file_id"]
    assert iface["created_at"].endswith("Z") and iface["updated_at"] == iface["created_at"]


def test_interface_ids_are_unique(client, auth):
    ids = {client.post(f"{API}/AddInterface", json={}, headers=auth).get_json()["interface_id"] for _ in range(5)}
    assert len(ids) == 5


@pytest.mark.parametrize("field", ["icon_file_id", "logo_file_id"])
def test_default_images_are_real_pngs(client, auth, field):
    iface = client.post(f"{API}/AddInterface", json={}, headers=auth).get_json()
    resp = client.get(f"{API}/GetFile?file_id={iface[field]}", headers=auth)
    assert resp.status_code == 200
    assert resp.mimetype == "image/png"
    width, height = png_size(resp.data)
    assert width >= 16 and height >= 16


def test_add_interface_with_own_values(client, auth, pdf_bytes):
    wid = client.post(f"{API}/AddWorkflow", json={"name": "x"}, headers=auth).get_json()["workflow_id"]
    fid = client.post(f"{API}/AddFile", headers=auth, json={
        "workflow_id": wid, "file_name": "logo.pdf", "content_type": "application/pdf",
        "data": base64.b64encode(pdf_bytes).decode()}).get_json()["file_id"]
    resp = client.post(f"{API}/AddInterface", json={"name": "Brand", "primary_color": "#ff8800",
                                                    "icon_file_id": fid, "logo_file_id": fid}, headers=auth)
    assert resp.status_code == 201
    iface = resp.get_json()
    assert (iface["name"], iface["primary_color"], iface["icon_file_id"], iface["logo_file_id"]) == \
        ("Brand", "#FF8800", fid, fid)


@pytest.mark.parametrize("color", ["00A19A", "#00A19", "#00A19AA", "#GGGGGG", "teal", ""])
def test_colour_must_be_rrggbb(client, auth, color):
    resp = client.post(f"{API}/AddInterface", json={"primary_color": color}, headers=auth)
    assert resp.status_code == 422
    assert "primary_color" in resp.get_json()["error"]["fields"]


@pytest.mark.parametrize("field", ["icon_file_id", "logo_file_id"])
def test_file_ids_must_exist(client, auth, field):
    resp = client.post(f"{API}/AddInterface", json={field: str(uuid.uuid4())}, headers=auth)
    assert resp.status_code == 404
    assert field in resp.get_json()["error"]["fields"]
    assert client.post(f"{API}/AddInterface", json={field: "nope"}, headers=auth).status_code == 422


def test_update_interface_bumps_updated_at(client, auth, app):
    iface = client.post(f"{API}/AddInterface", json={}, headers=auth).get_json()
    app.extensions["sign8"].clock.advance(5, iface["organization_id"])
    resp = client.post(f"{API}/UpdateInterface", json={"interface_id": iface["interface_id"], "primary_color": "#123abc"},
                       headers=auth)
    assert resp.status_code == 200
    updated = resp.get_json()
    assert updated["primary_color"] == "#123ABC"
    assert updated["created_at"] == iface["created_at"]
    assert updated["updated_at"] > iface["updated_at"]
    assert updated["icon_file_id"] == iface["icon_file_id"]
    got = client.get(f"{API}/GetInterface?interface_id={iface['interface_id']}", headers=auth).get_json()
    assert got == updated


def test_update_interface_errors(client, auth):
    iface = client.post(f"{API}/AddInterface", json={}, headers=auth).get_json()
    assert client.post(f"{API}/UpdateInterface", json={"interface_id": str(uuid.uuid4())}, headers=auth).status_code == 404
    assert client.post(f"{API}/UpdateInterface", json={}, headers=auth).status_code == 422
    resp = client.post(f"{API}/UpdateInterface", json={"interface_id": iface["interface_id"], "primary_color": "blue"},
                       headers=auth)
    assert resp.status_code == 422
    resp = client.post(f"{API}/UpdateInterface", json={"interface_id": iface["interface_id"],
                                                       "logo_file_id": str(uuid.uuid4())}, headers=auth)
    assert resp.status_code == 404


def test_get_interface_errors(client, auth):
    assert client.get(f"{API}/GetInterface?interface_id={uuid.uuid4()}", headers=auth).status_code == 404
    assert client.get(f"{API}/GetInterface?interface_id=1", headers=auth).status_code == 422
    assert client.get(f"{API}/GetInterface", headers=auth).status_code == 422
