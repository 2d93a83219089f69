"""The wheel stands alone: `python -m build` makes an sdist and a wheel (the wheel built from the sdist), the
wheel installs into a fresh venv outside the repo, and the README's pytest example, copied there as written,
passes against the installed package (its pytest plugin and its packaged sample PDF)."""
import configparser
import os
import pathlib
import re
import subprocess
import sys
import zipfile

import pytest

REPO = pathlib.Path(__file__).resolve().parent.parent
# pip fetches the wheel's dependencies from PyPI: outside `make test` (tests there talk only to 127.0.0.1);
# `make wheel-test` runs it, and so does CI.
pytestmark = pytest.mark.registry


def readme_example() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## The pytest plugin"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def pinned(name: str) -> str:
    """The test extras' pin of a package, so the fresh venv gets the same version as .venv."""
    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg")
    for line in cfg["options.extras_require"]["test"].split():
        if line.split("==")[0].lower() == name:
            return line
    raise LookupError(name)


def run(cmd, **kw):
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTEST_ADDOPTS"}}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return subprocess.run(cmd, capture_output=True, text=True, env=env, **kw)


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> pathlib.Path:
    out = tmp_path_factory.mktemp("dist")
    res = run([sys.executable, "-m", "build", "--outdir", str(out), str(REPO)], timeout=600)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    return out


def test_build_makes_a_wheel_and_an_sdist_with_complete_metadata(dist):
    wheels, sdists = list(dist.glob("sign8_mock-*.whl")), list(dist.glob("sign8_mock-*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1
    with zipfile.ZipFile(wheels[0]) as whl:
        names = whl.namelist()
        meta = whl.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        entry_points = whl.read(next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()
    assert "mock_server/assets/sample-contract.pdf" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "Requires-Python: >=3.11" in meta and "License-File: LICENSE" in meta
    assert "Classifier: Framework :: Pytest" in meta and "Classifier: Programming Language :: Python :: 3.11" in meta
    assert "[pytest11]\nsign8_mock = mock_server.pytest_plugin" in entry_points
    assert "sign8-mock = mock_server.cli:main" in entry_points


def test_readme_example_passes_in_a_fresh_venv_outside_the_repo(dist, tmp_path):
    venv, project = tmp_path / "venv", tmp_path / "my-integration"
    project.mkdir()
    assert REPO not in project.parents
    res = run([sys.executable, "-m", "venv", str(venv)], timeout=120)
    assert res.returncode == 0, res.stderr
    py = venv / "bin" / "python"
    wheel = next(dist.glob("sign8_mock-*.whl"))
    res = run([str(py), "-m", "pip", "install", "--quiet", str(wheel), pinned("pytest")], timeout=900)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]

    (project / "test_sign8.py").write_text(readme_example(), encoding="utf-8")
    where = run([str(py), "-c", "import mock_server; print(mock_server.__file__)"], cwd=project, timeout=60)
    assert str(venv) in where.stdout, f"mock_server came from {where.stdout!r}, not the fresh venv"
    res = run([str(py), "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_sign8.py"], cwd=project, timeout=300)
    assert res.returncode == 0 and re.search(r"^1 passed", res.stdout, re.M), res.stdout[-3000:] + res.stderr[-3000:]
