#!/usr/bin/env python3
"""make testcontainers-test: run examples/testcontainers/node and examples/testcontainers/python against the
image `make image` / `make image-test` built, through a Docker-compatible API socket.

With podman, this starts `podman system service` on a socket of its own and points DOCKER_HOST at it; Ryuk (the
reaper container) is disabled with TESTCONTAINERS_RYUK_DISABLED=true, since no registry is reachable to pull it.
Each example's pinned dependencies (its package-lock.json, its requirements.txt) are installed once into the
git-ignored .cache/testcontainers/. Where no engine can run containers, each example prints one SKIPPED line and
exits 0. Standard library only.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import image_test  # noqa: E402  (the engine checks and sandbox workarounds of make image-test)

REPO = image_test.REPO
EXAMPLES = REPO / "examples" / "testcontainers"
CACHE = REPO / ".cache" / "testcontainers"
PDF = REPO / "fixtures" / "documents" / "sample-contract.pdf"


def say(msg: str) -> None:
    print(f"testcontainers-test: {msg}", flush=True)


def installed(folder: Path, pins: list[Path], install) -> None:
    """Run install() into folder unless it already holds exactly these pins."""
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in pins)).hexdigest()
    stamp = folder / ".installed"
    if stamp.exists() and stamp.read_text() == digest:
        return
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    install()
    stamp.write_text(digest)


def engine_socket(image: str, workdir: Path) -> tuple[dict, subprocess.Popen | None]:
    """DOCKER_HOST and friends for the examples, and the podman service started for them (or None)."""
    try:
        engine = image_test.find_engine(None)
    except image_test.Skip as why:
        say(f"no engine ({why}); each example will say SKIPPED")
        return {}, None
    try:
        image_test.make_runnable(engine, image)  # a missing image cannot be pulled here either: Skip
    except image_test.Skip as why:
        say(f"{engine.name} cannot run {image} here ({why}); each example will say SKIPPED")
        return {"DOCKER_HOST": f"unix://{workdir / 'no-engine.sock'}"}, None
    if not engine.image_exists(image):
        raise image_test.Failed(f"{image} is not built: run `make image` (or `make image-test`) first")
    if engine.name != "podman":
        return {}, None  # docker: its own socket, as Testcontainers finds it by default
    # The same sandbox workarounds as image-test, in the service's containers.conf (the API cannot pass flags).
    conf = workdir / "containers.conf"
    runtime = '\n[engine]\nruntime = "runc"\n' if "runc" in engine.run_opts else ""
    conf.write_text(("[containers]\ndefault_ulimits = []\n" if engine.run_opts else "") + runtime)
    sock = workdir / "podman.sock"
    service = subprocess.Popen(["podman", "system", "service", "--time=0", f"unix://{sock}"],
                               env={**os.environ, "CONTAINERS_CONF": str(conf)},
                               stdout=(workdir / "service.log").open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.connect(str(sock))
                s.sendall(b"GET /_ping HTTP/1.0\r\nHost: d\r\n\r\n")
                if b" 200 " in s.recv(100):
                    break
        except OSError:
            pass
        if service.poll() is not None or time.monotonic() > deadline:
            raise image_test.Failed(f"podman system service did not answer: {(workdir / 'service.log').read_text()[-2000:]}")
        time.sleep(0.1)
    say(f"podman system service on unix://{sock} (CONTAINERS_CONF={conf.name}: {' '.join(engine.run_opts) or 'defaults'})")
    return {"DOCKER_HOST": f"unix://{sock}"}, service


def run_example(name: str, cmd: list[str], cwd: Path, env: dict) -> bool:
    started = time.monotonic()
    res = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    out = res.stdout + res.stderr
    lines = [line for line in out.splitlines() if "SKIPPED" in line or "passed" in line or "# pass" in line
             or "# fail" in line or "# skipped" in line or "testcontainers" in line.lower()]
    for line in lines:
        say(f"[{name}] {line.strip()}")
    if res.returncode != 0:
        say(f"[{name}] FAILED (exit {res.returncode}, {time.monotonic() - started:.1f} s):\n{out[-5000:]}")
        return False
    say(f"[{name}] ok ({time.monotonic() - started:.1f} s)")
    return True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", default="localhost/sign8-mock:latest")
    parser.add_argument("--python", default=shutil.which("python3.11") or shutil.which("python3"))
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="sign8-testcontainers-"))
    service = None
    try:
        node_dir, venv = CACHE / "node", CACHE / "venv"
        node_pins = [EXAMPLES / "node" / "package.json", EXAMPLES / "node" / "package-lock.json"]
        installed(node_dir, node_pins, lambda: (
            [shutil.copy(p, node_dir) for p in node_pins],
            image_test.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=node_dir, timeout=900)))
        py_pins = [EXAMPLES / "python" / "requirements.txt"]
        installed(venv, py_pins, lambda: (
            image_test.run([args.python, "-m", "venv", str(venv)], timeout=300),
            image_test.run([str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check",
                            "-r", str(py_pins[0])], timeout=900)))
        shutil.copy(EXAMPLES / "node" / "sign8-mock.test.mjs", node_dir)
        py_work = workdir / "python"
        py_work.mkdir()
        for f in ("test_sign8_mock.py", "pytest.ini"):
            shutil.copy(EXAMPLES / "python" / f, py_work)

        engine_env, service = engine_socket(args.image, workdir)
        env = {**os.environ, **engine_env, "TESTCONTAINERS_RYUK_DISABLED": "true", "SIGN8_MOCK_IMAGE": args.image,
               "SIGN8_PDF": str(PDF)}
        ok = run_example("node", ["node", "--test"], node_dir, env)
        ok = run_example("python", [str(venv / "bin" / "pytest"), "-q", "-p", "no:cacheprovider"], py_work, env) and ok
        say("PASSED" if ok else "FAILED")
        return 0 if ok else 1
    except image_test.Failed as err:
        say(f"FAILED: {err}")
        return 1
    finally:
        if service is not None:
            service.terminate()
            try:
                service.wait(timeout=30)
            except subprocess.TimeoutExpired:
                service.kill()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
