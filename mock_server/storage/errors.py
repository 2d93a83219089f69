"""What can go wrong with the files of a store; the CLI and the API turn these into one clear answer."""
from __future__ import annotations


class StoreError(Exception):
    """A store that cannot be opened or written."""


class StoreInUse(StoreError):
    """Another process holds the database's lock file."""

    def __init__(self, path, pid: str | None):
        self.path, self.pid = path, pid
        who = f"process {pid}" if pid else "another process"
        super().__init__(f"database {path} is in use by {who}; stop it first (one writer per database).")


class StoreCorrupt(StoreError):
    """A snapshot or journal that cannot be read; serve never modifies it."""

    def __init__(self, path, where: str, detail: str):
        self.path, self.where, self.detail = path, where, detail
        super().__init__(f"{path} is damaged at {where}: {detail}. Run 'sign8-mock repair --db <db>' to keep every "
                         "intact record and move the damaged file aside, or restore a backup.")


class StorageFull(StoreError):
    """The journal or a blob could not be written (disk full or an I/O error); nothing changed."""

    def __init__(self, detail: str):
        self.detail = detail
        super().__init__(f"The mock's storage could not be written ({detail}); nothing was changed. "
                         "Free disk space and retry.")
