"""The CI recipes in examples/ validate against their published JSON Schemas (check-jsonschema ships them,
so this runs offline), and agree with the image: port 8080, /data, /_mock/health with the admin token."""
import pathlib
import shutil
import subprocess
import sys

import pytest
import yaml

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"
CHECKS = [("github-actions.yml", "vendor.github-workflows"),
          ("gitlab-ci.yml", "vendor.gitlab-ci"),
          ("compose.yaml", "vendor.compose-spec")]


def check_jsonschema(schema: str, path: pathlib.Path) -> subprocess.CompletedProcess:
    exe = shutil.which("check-jsonschema", path=str(pathlib.Path(sys.executable).parent)) or shutil.which("check-jsonschema")
    assert exe, "check-jsonschema is not installed (it is in the test extras)"
    return subprocess.run([exe, "--builtin-schema", schema, str(path)], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("name,schema", CHECKS)
def test_recipe_validates(name, schema):
    res = check_jsonschema(schema, EXAMPLES / name)
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.mark.parametrize("name,schema,breakage", [
    ("github-actions.yml", "vendor.github-workflows", lambda d: d["jobs"]["contract-tests"].pop("runs-on")),
    ("gitlab-ci.yml", "vendor.gitlab-ci", lambda d: d["contract-tests"].update(script="not-a-list", when="sometimes")),
    ("compose.yaml", "vendor.compose-spec", lambda d: d["services"]["sign8-mock"].update(ports="8080")),
])
def test_validation_catches_a_broken_copy(tmp_path, name, schema, breakage):
    # The check is only worth something if a broken recipe fails it.
    data = yaml.safe_load((EXAMPLES / name).read_text())
    breakage(data)
    broken = tmp_path / name
    broken.write_text(yaml.safe_dump(data))
    assert check_jsonschema(schema, broken).returncode != 0


def test_recipes_match_the_image():
    gha = yaml.safe_load((EXAMPLES / "github-actions.yml").read_text())
    service = gha["jobs"]["contract-tests"]["services"]["sign8-mock"]
    assert service["ports"] == ["8080:8080"] and "SIGN8_MOCK_ADMIN_TOKEN" in service["env"]
    steps = " ".join(step.get("run", "") for step in gha["jobs"]["contract-tests"]["steps"])
    assert "/_mock/health" in steps and "X-Admin-Token" in steps

    gitlab = yaml.safe_load((EXAMPLES / "gitlab-ci.yml").read_text())
    job = gitlab["contract-tests"]
    assert job["services"][0]["alias"] == "sign8-mock" and "/_mock/health" in job["script"][0]

    compose = yaml.safe_load((EXAMPLES / "compose.yaml").read_text())
    mock = compose["services"]["sign8-mock"]
    assert mock["volumes"] == ["sign8-data:/data"] and "sign8-data" in compose["volumes"]
    assert mock["ports"] == ["127.0.0.1:8080:8080"]
    assert mock["environment"]["SIGN8_MOCK_SMTP_URL"] == "smtp://mailpit:1025" and "mailpit" in compose["services"]
