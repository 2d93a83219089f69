"""Settings with defaults; every one can also come from a SIGN8_MOCK_* environment variable."""
from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

ENV_PREFIX = "SIGN8_MOCK_"
# Standard Webhooks' schedule: at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
DEFAULT_RETRY_SCHEDULE = (0.0, 5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0)


@dataclass(frozen=True)
class Settings:
    """Everything the server can be told; see the README for each one."""

    host: str = "127.0.0.1"
    port: int = 8080
    db: str = "data/sign8-mock.json"
    fixtures: str | None = None
    organizations_file: str | None = None
    auth: str = "open"
    public_url: str | None = None
    admin_token: str | None = None
    # Comma-separated origins (or *) whose browser pages may call the mock; none by default (no CORS headers).
    cors_origins: str | None = None
    default_expiry_days: float = 30.0
    max_file_bytes: int = 25 * 1024 * 1024
    webhook_timeout: float = 10.0
    webhook_retry_schedule: tuple[float, ...] = DEFAULT_RETRY_SCHEDULE
    webhook_workers: int = 4
    journal_compact_lines: int = 20000
    threads: int = 16
    log_level: str = "info"
    scheduler: bool = True
    smtp_url: str | None = None  # smtp://host:port: also send every captured e-mail there (Mailpit, MailHog)
    # Days after which final workflows and idle provisioned organizations are removed (mock_server/retention);
    # None: keep everything forever.
    retention: float | None = None
    # Seconds from the start to the first background retention run (which finishes one a crash interrupted);
    # then it runs every hour.
    retention_delay: float = 5.0

    @property
    def in_memory(self) -> bool:
        return self.db == ":memory:"

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"http://{self.host}:{self.port}"

    def resolved_organizations_file(self) -> Path | None:
        if self.organizations_file:
            return Path(self.organizations_file)
        if self.fixtures:
            candidate = Path(self.fixtures) / "organizations.json"
            if candidate.exists():
                return candidate
        return None

    def with_overrides(self, **overrides) -> "Settings":
        known = {f.name for f in fields(self)}
        clean = {k: v for k, v in overrides.items() if k in known and v is not None}
        return replace(self, **clean)


def _convert(name: str, raw: str):
    kind = {f.name: f.type for f in fields(Settings)}[name]
    if kind == "int":
        return int(raw)
    if kind in ("float", "float | None"):
        return float(raw)
    if kind == "bool":
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if kind.startswith("tuple"):
        return tuple(float(part) for part in raw.split(",") if part.strip())
    return raw


def from_env(environ=None, **overrides) -> Settings:
    """Build settings from SIGN8_MOCK_* variables, then explicit overrides."""
    environ = os.environ if environ is None else environ
    values = {}
    for f in fields(Settings):
        raw = environ.get(ENV_PREFIX + f.name.upper())
        if raw not in (None, ""):
            values[f.name] = _convert(f.name, raw)
    return Settings().with_overrides(**values).with_overrides(**overrides)


class PublicAddress:
    """Where this instance is reached: --public-url, else the address it really bound (known after binding)."""

    def __init__(self, settings: Settings):
        self._settings = settings

    def bind(self, host: str, port: int) -> None:
        self._settings = self._settings.with_overrides(host=host, port=port)

    @property
    def base_url(self) -> str:
        return self._settings.base_url
