"""Load a seed scenario from a fixtures folder, idempotently (placeholder until issue 4's seed lands)."""
from __future__ import annotations

from pathlib import Path


def seed_folder(services, folder) -> dict:
    """Load organizations.json from folder; return counts of what was loaded."""
    folder = Path(folder)
    counts = {}
    orgs = folder / "organizations.json"
    if orgs.exists():
        counts["organizations"] = services.organizations.load_file(orgs)
    return counts
