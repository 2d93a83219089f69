"""Organizations and their API keys: known ones from fixtures, unknown keys provisioned in open mode."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from datetime import timedelta, timezone
from pathlib import Path

from .clock import iso, parse_iso
from .errors import Forbidden, NotFound, Unauthorized

# The real (UTC) day of an organization's last call with its key: retention removes a provisioned organization
# that has been idle for its DAYS. Recorded per day so that only the first call of a day costs a write.
LAST_CALL_FIELD = "last_call_on"

# UUID v5 namespace for organizations provisioned from an unknown key (open auth mode).
KEY_NAMESPACE = uuid.UUID("5b8f3a52-2f7e-4d51-9c1e-6e0f1f3b8a10")


def key_hash(api_key: str) -> str:
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


# After a rotation, deliveries carry the old secret's signature too for this long (real time), as Standard Webhooks
# suggests, so a receiver can switch to the new secret without dropping a webhook.
SECRET_OVERLAP_SECONDS = 24 * 3600
# What the control API may change, and what a reset of the organization restores (its fixture's values, or none).
SETTINGS = ("name", "webhook_url", "webhook_secret", "previous_webhook_secret", "previous_webhook_secret_until")
KEY_SHOWN = 7  # characters of a provisioned key in its organization's default name


def organization_id_for_key(api_key: str) -> str:
    return str(uuid.uuid5(KEY_NAMESPACE, api_key))


def _is_uuid(value) -> bool:
    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def default_name(api_key: str) -> str:
    """A provisioned organization's readable name; only the key's start, as it reaches signers' e-mails."""
    shown = api_key[:KEY_SHOWN] if len(api_key) > KEY_SHOWN else api_key[:max(1, len(api_key) // 2)]
    return f"Organization for key {shown}\u2026"


def new_secret() -> str:
    """A Standard Webhooks secret: whsec_ and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def signing_secrets(org: dict, real_now) -> list[str]:
    """The secrets a delivery is signed with now: the current one, and the previous one during the overlap."""
    found = [org["webhook_secret"]] if org.get("webhook_secret") else []
    until = org.get("previous_webhook_secret_until")
    if org.get("previous_webhook_secret") and until and parse_iso(until) > real_now:
        found.append(org["previous_webhook_secret"])
    return found


class Organizations:
    """Resolve API keys to organizations."""

    def __init__(self, store, clock, auth_mode: str = "open", record_calls: bool = False):
        self.store = store
        self.clock = clock
        self.auth_mode = auth_mode
        # Record the day of each organization's last call (on when retention is on).
        self.record_calls = record_calls

    def load_file(self, path: Path) -> int:
        """Upsert the organizations of a JSON file (a list, or {"organizations": [...]})."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        entries = data.get("organizations", []) if isinstance(data, dict) else data
        with self.store.transaction() as tx:
            for entry in entries:
                org_id = entry.get("organization_id") or organization_id_for_key(entry["api_key"])
                if not _is_uuid(org_id):
                    # The document promises a UUID wherever an organization_id appears.
                    raise ValueError(f"{path}: organization_id {org_id!r} is not a UUID")
                existing = self.store.get("organizations", org_id) or {}
                fixture = {"name": entry.get("name") or (existing.get("fixture") or existing).get("name") or org_id,
                           "webhook_url": entry.get("webhook_url"), "webhook_secret": entry.get("webhook_secret")}
                # What the control API set survives a restart; a reset of the organization brings these back.
                own = {k: existing.get(k) for k in SETTINGS} if existing.get("configured") else fixture
                doc = {
                    "organization_id": org_id,
                    **own,
                    "api_key": entry["api_key"],
                    "api_key_hash": key_hash(entry["api_key"]),
                    "fixture": fixture,
                    "configured": bool(existing.get("configured")),
                    "known": True,
                    # Demo keys are published in the repo, so the banner may print them; others never.
                    "demo": bool(entry.get("demo")),
                    "created_at": existing.get("created_at") or _now(self.clock, org_id),
                }
                if existing.get(LAST_CALL_FIELD):
                    doc[LAST_CALL_FIELD] = existing[LAST_CALL_FIELD]
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
        if self.record_calls and org.get(LAST_CALL_FIELD) != day_of(self.clock.real_now()):
            org = self._record_call(org["organization_id"]) or org
        return org

    def _record_call(self, organization_id: str) -> dict | None:
        """Note today as the organization's last call: one write per organization and day."""
        with self.store.transaction() as tx:
            org = self.store.get("organizations", organization_id)
            today = day_of(self.clock.real_now())
            if org is None or org.get(LAST_CALL_FIELD) == today:
                return org
            return tx.put("organizations", {**org, LAST_CALL_FIELD: today})

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
                "name": default_name(api_key),
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

    def _change(self, organization_id: str, **changes) -> dict:
        with self.store.transaction() as tx:
            org = self.store.get("organizations", organization_id)
            if org is None:
                raise NotFound(f"Organization '{organization_id}' does not exist.",
                               code_override="organization_not_found")
            return tx.put("organizations", {**org, **changes, "configured": True})

    def update(self, organization_id: str, changes: dict) -> dict:
        """Set the organization's name and webhook_url (those given)."""
        return self._change(organization_id, **{k: v for k, v in changes.items() if k in ("name", "webhook_url")})

    def rotate_secret(self, organization_id: str, real_now) -> str:
        """Make a new webhook secret; the old one keeps signing for SECRET_OVERLAP_SECONDS. Return the new one."""
        org = self.get(organization_id) or {}
        secret = new_secret()
        previous = {}
        if org.get("webhook_secret"):
            previous = {"previous_webhook_secret": org["webhook_secret"],
                        "previous_webhook_secret_until": iso(real_now + timedelta(seconds=SECRET_OVERLAP_SECONDS))}
        self._change(organization_id, webhook_secret=secret, **previous)
        return secret

    def remove_secret(self, organization_id: str) -> dict:
        """Forget the webhook secret (and a previous one still in its overlap): deliveries go unsigned."""
        return self._change(organization_id, webhook_secret=None, previous_webhook_secret=None,
                            previous_webhook_secret_until=None)

    def restore(self, tx, org: dict) -> dict | None:
        """Put an organization's settings back as the fixtures (or provisioning) made them; None if unchanged."""
        fresh = {k: None for k in SETTINGS}
        fresh.update(org.get("fixture") or {"name": default_name(org["api_key"])})
        doc = {**org, **fresh, "configured": False}
        if doc == org:
            return None
        return tx.put("organizations", doc)

    def all(self) -> list[dict]:
        return self.store.all("organizations")


def day_of(moment) -> str:
    """The UTC day of a moment, as 2026-12-07."""
    return moment.astimezone(timezone.utc).date().isoformat()


def _now(clock, org_id):
    return iso(clock.now(org_id))
