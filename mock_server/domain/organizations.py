"""Organizations and their API keys: known ones from fixtures, unknown keys provisioned in open mode."""
from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from pathlib import Path

from .clock import iso
from .errors import Forbidden, Unauthorized

# UUID v5 namespace for organizations provisioned from an unknown key (open auth mode).
KEY_NAMESPACE = uuid.UUID("5b8f3a52-2f7e-4d51-9c1e-6e0f1f3b8a10")


def key_hash(api_key: str) -> str:
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def organization_id_for_key(api_key: str) -> str:
    return str(uuid.uuid5(KEY_NAMESPACE, api_key))


class Organizations:
    """Resolve API keys to organizations."""

    def __init__(self, store, clock, auth_mode: str = "open"):
        self.store = store
        self.clock = clock
        self.auth_mode = auth_mode

    def load_file(self, path: Path) -> int:
        """Upsert the organizations of a JSON file (a list, or {"organizations": [...]})."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        entries = data.get("organizations", []) if isinstance(data, dict) else data
        with self.store.transaction() as tx:
            for entry in entries:
                org_id = entry.get("organization_id") or organization_id_for_key(entry["api_key"])
                existing = self.store.get("organizations", org_id) or {}
                doc = {
                    "organization_id": org_id,
                    "name": entry.get("name") or existing.get("name") or org_id,
                    "api_key": entry["api_key"],
                    "api_key_hash": key_hash(entry["api_key"]),
                    "webhook_url": entry.get("webhook_url"),
                    "webhook_secret": entry.get("webhook_secret"),
                    "known": True,
                    # Demo keys are published in the repo, so the banner may print them; others never.
                    "demo": bool(entry.get("demo")),
                    "created_at": existing.get("created_at") or _now(self.clock, org_id),
                }
                if doc != existing:
                    tx.put("organizations", doc)
        return len(entries)

    def authenticate(self, api_key: str | None, claimed_org: str | None = None) -> dict:
        """Return the organization of api_key, provisioning it in open mode; raise 401/403."""
        if not api_key:
            raise Unauthorized("An API key is required: 'Authorization: Bearer <key>' or 'X-API-Key: <key>'.")
        org = self.find_by_key(api_key)
        if org is None:
            if self.auth_mode == "strict":
                raise Unauthorized("Unknown API key (the server runs with --auth strict).")
            org = self.provision(api_key)
        if claimed_org and claimed_org != org["organization_id"]:
            raise Forbidden("The organisation_id header does not match the organization of the API key.")
        return org

    def find_by_key(self, api_key: str) -> dict | None:
        digest = key_hash(api_key)
        for org in self.store.by("organizations", "api_key_hash", digest):
            if hmac.compare_digest(org["api_key"].encode(), api_key.encode()):
                return org
        return None

    def provision(self, api_key: str) -> dict:
        org_id = organization_id_for_key(api_key)
        with self.store.transaction() as tx:
            existing = self.store.get("organizations", org_id)
            if existing is not None:
                return existing
            return tx.put("organizations", {
                "organization_id": org_id,
                "name": f"Provisioned {org_id[:8]}",
                "api_key": api_key,
                "api_key_hash": key_hash(api_key),
                "webhook_url": None,
                "webhook_secret": None,
                "known": False,
                "created_at": _now(self.clock, org_id),
            })

    def get(self, organization_id: str) -> dict | None:
        return self.store.get("organizations", organization_id)

    def set_webhook_url(self, organization_id: str, url: str | None) -> dict:
        with self.store.transaction() as tx:
            org = dict(self.store.get("organizations", organization_id))
            org["webhook_url"] = url
            return tx.put("organizations", org)

    def all(self) -> list[dict]:
        return self.store.all("organizations")


def _now(clock, org_id):
    return iso(clock.now(org_id))
