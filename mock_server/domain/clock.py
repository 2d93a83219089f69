"""The mock clock: real time plus offsets, one for everyone and one per organization (like Stripe's test clocks)."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

GLOBAL = "*"


def iso(dt: datetime) -> str:
    """Format as ISO 8601 UTC with a Z and millisecond precision."""
    # isoformat, not strftime: glibc's %Y drops the zero padding of years before 1000.
    return dt.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def parse_iso(value: str) -> datetime:
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


class MockClock:
    """Tell each organization its time; offsets persist through the load/save callbacks."""

    def __init__(self, real_time=time.time, offsets: dict[str, float] | None = None):
        self._real_time = real_time
        self._offsets: dict[str, float] = dict(offsets or {})
        self._lock = threading.Lock()

    def real_now(self) -> datetime:
        return datetime.fromtimestamp(self._real_time(), tz=timezone.utc)

    def offset(self, organization_id: str | None) -> float:
        with self._lock:
            total = self._offsets.get(GLOBAL, 0.0)
            if organization_id:
                total += self._offsets.get(organization_id, 0.0)
            return total

    def now(self, organization_id: str | None = None) -> datetime:
        return self.real_now() + timedelta(seconds=self.offset(organization_id))

    def advance(self, seconds: float, organization_id: str | None = None) -> float:
        scope = organization_id or GLOBAL
        with self._lock:
            self._offsets[scope] = self._offsets.get(scope, 0.0) + seconds
            return self._offsets[scope]

    def set(self, when: datetime, organization_id: str | None = None) -> None:
        real = self.real_now()
        with self._lock:
            if organization_id:
                base = self._offsets.get(GLOBAL, 0.0)
                self._offsets[organization_id] = (when - real).total_seconds() - base
            else:
                self._offsets = {GLOBAL: (when - real).total_seconds()}

    def reset(self, organization_id: str | None = None) -> None:
        with self._lock:
            if organization_id:
                self._offsets.pop(organization_id, None)
            else:
                self._offsets = {}

    def offsets(self) -> dict[str, float]:
        with self._lock:
            return dict(self._offsets)

    def real_time_of(self, moment: datetime, organization_id: str | None) -> float:
        """Return the real epoch seconds at which this organization's clock shows moment."""
        return moment.timestamp() - self.offset(organization_id)
