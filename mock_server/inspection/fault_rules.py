"""Fault rules on the API (like WireMock's): an error status, a delay, or a dropped connection, per organization."""
from __future__ import annotations

import fnmatch
import random
import threading
import uuid


class FaultRules:
    """The active rules of one mock; a rule with `times` disappears after that many hits.

    A rule made with an API key belongs to that organization and fires only on its calls;
    a rule made without one (the operator's) fires on everyone's.
    """

    def __init__(self, rng: random.Random | None = None):
        self._rules: list[dict] = []
        self._lock = threading.Lock()
        self._rng = rng or random.Random()

    def add(self, spec: dict, organization_id: str | None) -> dict:
        rule = {"rule_id": str(uuid.uuid4()), "organization_id": organization_id,
                "method": (spec.get("method") or "*").upper(), "path": spec["path"],
                "status": spec.get("status"), "delay_ms": spec.get("delay_ms") or 0, "drop": bool(spec.get("drop")),
                "probability": 1.0 if spec.get("probability") is None else spec["probability"],
                "times": spec.get("times"), "hits": 0}
        with self._lock:
            self._rules.append(rule)
        return dict(rule)

    @staticmethod
    def _visible(rule: dict, organization_id: str | None) -> bool:
        return organization_id is None or rule["organization_id"] == organization_id

    def all(self, organization_id: str | None = None) -> list[dict]:
        with self._lock:
            return [dict(r) for r in self._rules if self._visible(r, organization_id)]

    def clear(self, organization_id: str | None = None) -> int:
        """Remove every rule (or one organization's); return how many went."""
        with self._lock:
            kept = [r for r in self._rules if not self._visible(r, organization_id)]
            removed = len(self._rules) - len(kept)
            self._rules = kept
            return removed

    def remove(self, rule_id: str, organization_id: str | None = None) -> bool:
        with self._lock:
            kept = [r for r in self._rules if not (r["rule_id"] == rule_id and self._visible(r, organization_id))]
            removed = len(kept) != len(self._rules)
            self._rules = kept
            return removed

    def any(self) -> bool:
        """Whether any rule exists (of any organization); lock-free: one read of the list (replaced, not mutated
        in place, except by match's removal under the lock)."""
        return bool(self._rules)

    def match(self, method: str, path: str, organization_id: str | None) -> dict | None:
        """Return the first rule that fires for this request of this organization, counting the hit."""
        with self._lock:
            for rule in self._rules:
                if rule["organization_id"] is not None and rule["organization_id"] != organization_id:
                    continue
                if rule["method"] not in ("*", method):
                    continue
                if rule["path"] != path and not fnmatch.fnmatchcase(path, rule["path"]):
                    continue
                if rule["probability"] < 1.0 and self._rng.random() >= rule["probability"]:
                    continue
                rule["hits"] += 1
                if rule["times"] is not None:
                    rule["times"] -= 1
                    if rule["times"] <= 0:
                        self._rules.remove(rule)
                return dict(rule)
        return None
