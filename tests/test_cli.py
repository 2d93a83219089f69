"""The sign8-mock command: routes, seed, reset, export/import round trip, and the serve banner."""
import json
import re

import pytest
import requests

from sign8_flow import ROOT, wait_until
from mock_server.cli import main
from mock_server.config import Settings


FIXTURES = "fixtures"


def _run(capsys, *argv) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_routes_prints_the_endpoint_table(capsys):
    rc, out, _ = _run(capsys, "routes")
    assert rc == 0
    lines = out.splitlines()
    table = {tuple(line.split()[:2]): line for line in lines}
    assert "Create a workflow in draft." in table[("POST", "/api/workflow/AddWorkflow")]
    for method, path in [("GET", "/_mock/requests"), ("DELETE", "/_mock/requests"), ("GET", "/_mock/snapshot"),
                         ("POST", "/_mock/snapshot"), ("POST", "/_mock/faults"), ("GET", "/_mock/")]:
        assert (method, path) in table


def test_seed_is_idempotent_and_reset_empties(tmp_path, capsys):
    db = str(tmp_path / "db.json")
    rc, out, _ = _run(capsys, "seed", "--db", db, "--fixtures", FIXTURES)
    assert rc == 0 and json.loads(out.splitlines()[-1])["seeded"]["workflows"] == 6
    rc, out, _ = _run(capsys, "seed", "--db", db, "--fixtures", FIXTURES)
    assert json.loads(out.splitlines()[-1])["seeded"]["workflows"] == 0
    rc, out, _ = _run(capsys, "export", "--db", db, "-")
    assert len(json.loads(out)["tables"]["workflows"]) == 6
    rc, out, _ = _run(capsys, "reset", "--db", db)
    assert rc == 0 and json.loads(out.splitlines()[-1])["removed"]["workflows"] == 6


def test_export_import_round_trip(tmp_path, capsys):
    first, second, snap = str(tmp_path / "a.json"), str(tmp_path / "b.json"), tmp_path / "snap.json"
    _run(capsys, "seed", "--db", first, "--fixtures", FIXTURES)
    assert _run(capsys, "export", "--db", first, str(snap))[0] == 0
    rc, out, _ = _run(capsys, "import", "--db", second, str(snap))
    assert rc == 0 and json.loads(out.splitlines()[-1])["imported"]["signers"] == 12
    rc, out, _ = _run(capsys, "export", "--db", second, "-")
    original = json.loads(snap.read_text())
    copy = json.loads(out)
    key = lambda rows: sorted(json.dumps(r, sort_keys=True) for r in rows)  # noqa: E731
    assert {t: key(r) for t, r in copy["tables"].items()} == {t: key(r) for t, r in original["tables"].items()}
    assert copy["blobs"] == original["blobs"]


def test_import_of_an_invalid_file_fails_with_a_message(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "nope"}))
    rc, _, err = _run(capsys, "import", "--db", str(tmp_path / "db.json"), str(bad))
    assert rc == 2 and "Not a sign8-mock snapshot" in err


def test_serve_prints_one_banner_and_seeds_the_fixtures(tmp_path, server_process):
    proc = server_process(tmp_path / "db.json", "--fixtures", FIXTURES)
    # The reader thread signals ready on the first banner line; the rest follows at once.
    banner = wait_until(lambda: "demo-key-org-b" in proc.output() and proc.output())
    assert banner.count("listening on") == 1
    for part in (f"{proc.url}/docs", f"{proc.url}/_mock/", str(tmp_path / "db.json"), "Auth mode:  open",
                 "each new API key gets a new, empty organization", "demo-key-org-a", "demo-key-org-b"):
        assert part in banner
    with requests.Session() as http:
        listed = http.get(f"{proc.url}/api/workflow/ListWorkflows",
                          headers={"Authorization": "Bearer demo-key-org-a"}, timeout=5).json()
        assert listed["total"] == 6
        assert "Draft: NDA for Acme" in http.get(f"{proc.url}/_mock/", timeout=5).text


def test_serve_banner_redacts_keys_not_marked_demo(tmp_path, server_process):
    orgs = tmp_path / "orgs.json"
    orgs.write_text(json.dumps([{"organization_id": "33333333-3333-4333-8333-333333333333", "name": "Private",
                                 "api_key": "private-key-not-for-logs", "webhook_url": "http://127.0.0.1:9"}]))
    proc = server_process(tmp_path / "db.json", "--organizations-file", str(orgs))
    banner = wait_until(lambda: "Private" in proc.output() and proc.output())
    assert "<redacted>" in banner
    assert "private-key-not-for-logs" not in banner


def test_the_readme_and_serve_help_give_the_defaults_the_code_has(capsys):
    """Every `--option` row of the README's settings table names the env variable and the default of Settings."""
    rows = re.findall(r"^\| `--([a-z-]+)` \| `(SIGN8_MOCK_[A-Z_]+)` \| ([^|]+) \|", (ROOT / "README.md").read_text(), re.M)
    assert len(rows) >= 10
    defaults = Settings()
    checked = 0
    for option, env, default in rows:
        attr = option.replace("-", "_")
        assert env == "SIGN8_MOCK_" + attr.upper()
        literal = re.fullmatch(r"`([^`<>]+)`", default.strip())
        if literal:  # a plain value (not "none" or a pattern such as http://<host>:<port>)
            assert literal.group(1) == str(getattr(defaults, attr)), option
            checked += 1
        elif default.strip().startswith("none"):
            assert getattr(defaults, attr) is None, option
            checked += 1
    assert checked >= 8
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    assert f"default {defaults.threads})" in " ".join(capsys.readouterr().out.split())
