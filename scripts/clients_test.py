#!/usr/bin/env python3
"""make clients-test: generate a client from the served /openapi.json with each generator, build it, run the flow.

For each project of examples/clients/ (java, typescript, typescript-zod, python): the generator, pinned in the
project's own requirements.txt or package-lock.json, is installed once into the git-ignored .cache/clients/
(again only when the pin changes); the client is generated afresh from the document a running mock serves,
compiled or type-checked (javac, tsc --strict, mypy --strict), and the project's flow runs against the mock.
Generated code is never edited: the flags each generator gets are the ones the README names.

Standard library only. The mock runs on 127.0.0.1 on a free port, in memory; each flow uses its own API key,
so its own organization.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "clients"
CACHE = REPO / ".cache" / "clients"
PDF = REPO / "fixtures" / "documents" / "sample-contract.pdf"
GENERATORS = ("java", "typescript", "typescript-zod", "python")


class Failed(Exception):
    pass


def say(name: str, msg: str) -> None:
    print(f"clients-test [{name}]: {msg}", flush=True)


def run(name: str, cmd: list[str], cwd: Path, env: dict | None = None, timeout: float = 600) -> str:
    """Run one step; fail with its output's tail. Returns stdout+stderr."""
    started = time.monotonic()
    res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                         env={**os.environ, **(env or {})})
    took = time.monotonic() - started
    out = res.stdout + res.stderr
    if res.returncode != 0:
        raise Failed(f"{' '.join(cmd)} exited {res.returncode} after {took:.1f} s:\n{out[-6000:]}")
    say(name, f"{Path(cmd[0]).name} {' '.join(cmd[1:3])}... ok ({took:.1f} s)")
    return out


def stamp_ok(folder: Path, *pins: Path) -> tuple[bool, Path, str]:
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in pins)).hexdigest()
    stamp = folder / ".installed"
    return stamp.exists() and stamp.read_text() == digest, stamp, digest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- tools, installed once


def python_tools(python: str) -> Path:
    """One venv for the Python tools of java/ and python/ (openapi-generator-cli, openapi-python-client, mypy)."""
    venv = CACHE / "venv"
    pins = [EXAMPLES / "python" / "requirements.txt", EXAMPLES / "java" / "requirements.txt"]
    fresh, stamp, digest = stamp_ok(venv, *pins)
    if not fresh:
        shutil.rmtree(venv, ignore_errors=True)
        run("tools", [python, "-m", "venv", str(venv)], CACHE)
        run("tools", [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check",
                      *[a for p in pins for a in ("-r", str(p))]], CACHE, timeout=900)
        stamp.write_text(digest)
    return venv / "bin"


def node_tools(name: str) -> Path:
    """The project's package.json and package-lock.json, installed with npm ci (exactly the locked versions)."""
    folder = CACHE / name
    pins = [EXAMPLES / name / "package.json", EXAMPLES / name / "package-lock.json"]
    fresh, stamp, digest = stamp_ok(folder, *pins)
    if not fresh:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for p in pins:
            shutil.copy(p, folder)
        run(name, ["npm", "ci", "--no-audit", "--no-fund", "--silent"], folder, timeout=900)
        stamp.write_text(digest)
    return folder


def fresh_dir(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def copy_project(name: str, dest: Path, *files: str) -> None:
    for f in files:
        target = dest / f
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(EXAMPLES / name / f, target)


def flow_summary(name: str, out: str) -> str:
    lines = [line for line in out.splitlines() if "flow passed" in line]
    if not lines:
        raise Failed(f"the flow printed no 'flow passed' line:\n{out[-3000:]}")
    return lines[-1]


# ---------------------------------------------------------------- the four generators


def python_client(spec: Path, env: dict, tools: Path) -> str:
    work = fresh_dir(CACHE / "python" / "work")
    gen_env = {**env, "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}"}  # its post hooks run ruff from the venv
    run("python", [str(tools / "openapi-python-client"), "generate", "--path", str(spec), "--meta", "none",
                   "--output-path", str(work / "sign8_client"),
                   "--config", str(EXAMPLES / "python" / "generator-config.yaml")], work, gen_env)
    copy_project("python", work, "flow.py", "mypy.ini")
    out = run("python", [str(tools / "mypy"), "--strict", "flow.py"], work, gen_env)
    say("python", f"mypy --strict: {out.strip().splitlines()[-1]}")
    return flow_summary("python", run("python", [str(tools / "python"), "flow.py"], work, env))


def typescript_client(spec: Path, env: dict) -> str:
    folder = node_tools("typescript")
    bin_ = folder / "node_modules" / ".bin"
    for stale in ("src", "dist"):
        shutil.rmtree(folder / stale, ignore_errors=True)
    copy_project("typescript", folder, "tsconfig.json", "src/flow.ts")
    # Defaults make request fields required in its output unless told otherwise (the README names the flag).
    run("typescript", [str(bin_ / "openapi-typescript"), str(spec), "-o", "src/sign8.ts", "--default-non-nullable", "false"],
        folder)
    out = run("typescript", [str(bin_ / "tsc"), "-p", "tsconfig.json", "--listEmittedFiles"], folder)
    say("typescript", f"tsc --strict: 0 errors ({out.count('TSFILE:')} files emitted)")
    return flow_summary("typescript", run("typescript", ["node", "dist/flow.js"], folder, env))


def typescript_zod_client(spec: Path, env: dict) -> str:
    folder = node_tools("typescript-zod")
    bin_ = folder / "node_modules" / ".bin"
    for stale in ("src", "dist"):
        shutil.rmtree(folder / stale, ignore_errors=True)
    copy_project("typescript-zod", folder, "tsconfig.json", "openapi-ts.config.ts", "src/flow.ts")
    run("typescript-zod", [str(bin_ / "openapi-ts")], folder, {"SIGN8_OPENAPI": str(spec)})
    out = run("typescript-zod", [str(bin_ / "tsc"), "-p", "tsconfig.json", "--listEmittedFiles"], folder)
    say("typescript-zod", f"tsc --strict: 0 errors ({out.count('TSFILE:')} files emitted)")
    return flow_summary("typescript-zod", run("typescript-zod", ["node", "dist/flow.js"], folder, env))


# What a Maven/Gradle build of the native client would take from Maven Central, from Debian's packages instead
# (make clients-deps): javax.annotation.Generated, jsr305's @Nonnull/@Nullable, Apache httpmime for multipart bodies.
DEBIAN_JARS = [Path("/usr/share/java") / j for j in ("geronimo-annotation-1.3-spec.jar", "jsr305.jar", "httpmime.jar",
                                                      "httpcore.jar", "httpclient.jar")]
# Short JVM runs (the generator, javac) start faster on the C1 compiler alone: 2-3x on this 2-core machine.
QUICK_JVM = "-XX:TieredStopAtLevel=1"
JAVA_PROPERTIES = "openApiNullable=false,hideGenerationTimestamp=true,invokerPackage=eu.sign8.client," \
                  "apiPackage=eu.sign8.client.api,modelPackage=eu.sign8.client.model"


def jackson_classes(jar: Path) -> Path:
    """Jackson (databind, core, annotations, jsr310) out of the generator's own jar: Maven Central is not
    reachable here and Debian bookworm's jackson is too old for the generated client."""
    out = CACHE / "java" / "jackson"
    fresh, stamp, digest = stamp_ok(out, jar)
    if not fresh:
        fresh_dir(out)
        with zipfile.ZipFile(jar) as z:
            for member in z.namelist():
                if member.startswith(("com/fasterxml/jackson/annotation/", "com/fasterxml/jackson/core/",
                                      "com/fasterxml/jackson/databind/", "com/fasterxml/jackson/datatype/jsr310/")):
                    z.extract(member, out)
        stamp.write_text(digest)
    return out


def java_client(spec: Path, env: dict, tools: Path) -> str:
    import_jar = run("java", [str(tools / "python"), "-c",
                              "import openapi_generator_cli, pathlib; "
                              "print(pathlib.Path(openapi_generator_cli.__file__).parent / 'openapi-generator.jar')"],
                     CACHE).strip()
    jackson = jackson_classes(Path(import_jar))
    work = fresh_dir(CACHE / "java" / "work")
    run("java", [str(tools / "openapi-generator-cli"), "generate", "-i", str(spec), "-g", "java",
                 "--library", "native", "-o", str(work / "generated"), "--additional-properties", JAVA_PROPERTIES,
                 "--global-property", "apiTests=false,modelTests=false,apiDocs=false,modelDocs=false,skipFormModel=false"],
        work, {"JAVA_OPTS": QUICK_JVM}, timeout=600)
    copy_project("java", work, "src/main/java/Flow.java")
    sources = sorted(str(p) for p in (work / "generated" / "src" / "main" / "java").rglob("*.java"))
    sources.append(str(work / "src" / "main" / "java" / "Flow.java"))
    (work / "sources.txt").write_text("\n".join(sources))
    missing = [str(j) for j in DEBIAN_JARS if not j.exists()]
    if missing:
        raise Failed(f"missing {', '.join(missing)}: run make clients-deps")
    classpath = os.pathsep.join([str(jackson), *map(str, DEBIAN_JARS)])
    out = run("java", ["javac", f"-J{QUICK_JVM}", "-d", "classes", "-cp", classpath, "-Xlint:none", "@sources.txt"], work)
    warnings = [line for line in out.splitlines() if "warning" in line]
    say("java", f"javac: {len(sources)} files compiled, 0 errors{f', {len(warnings)} warning lines' if warnings else ''}")
    return flow_summary("java", run("java", ["java", QUICK_JVM, "-cp", os.pathsep.join(["classes", classpath]), "Flow"],
                                    work, env))


# ---------------------------------------------------------------- the mock


def start_mock(python: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([str(python), "-m", "mock_server", "serve", "--db", ":memory:", "--host", "127.0.0.1",
                             "--port", str(port)], cwd=REPO, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise Failed(f"the mock exited {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(base + "/_mock/health", timeout=2) as resp:
                if resp.status == 200:
                    return proc, base
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise Failed("the mock did not answer /_mock/health within 60 s")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("generators", nargs="*", help=f"some of {', '.join(GENERATORS)} (default: all)")
    parser.add_argument("--python", default=sys.executable, help="the mock's Python (the repo's venv)")
    parser.add_argument("--tools-python", default=shutil.which("python3.11") or shutil.which("python3"),
                        help="the Python the tools' venv is made with")
    parser.add_argument("--mock-url", help="use this running mock instead of starting one")
    parser.add_argument("--jobs", type=int, default=2, help="generators run side by side (default 2: 2 cores)")
    args = parser.parse_args(argv)
    args.generators = args.generators or list(GENERATORS)
    if set(args.generators) - set(GENERATORS):
        parser.error(f"unknown generator(s): {sorted(set(args.generators) - set(GENERATORS))}")
    started = time.monotonic()
    CACHE.mkdir(parents=True, exist_ok=True)
    if args.mock_url:
        proc, base = None, args.mock_url.rstrip("/")
    else:
        proc, base = start_mock(Path(args.python), CACHE / "mock.log")
    results: dict[str, str] = {}
    try:
        spec = CACHE / "openapi.json"
        with urllib.request.urlopen(base + "/openapi.json", timeout=10) as resp:
            spec.write_bytes(resp.read())
        say("mock", f"serving on {base}; /openapi.json saved ({len(json.loads(spec.read_text())['paths'])} paths)")
        env = {"SIGN8_MOCK_URL": base, "SIGN8_PDF": str(PDF)}
        tools = python_tools(args.tools_python) if {"java", "python"} & set(args.generators) else None
        jobs = {"java": lambda: java_client(spec, env, tools), "python": lambda: python_client(spec, env, tools),
                "typescript": lambda: typescript_client(spec, env),
                "typescript-zod": lambda: typescript_zod_client(spec, env)}

        def one(name):
            t0 = time.monotonic()
            try:
                return name, jobs[name](), time.monotonic() - t0
            except (Failed, subprocess.TimeoutExpired) as exc:
                return name, exc, time.monotonic() - t0

        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            for name, outcome, took in pool.map(one, args.generators):
                if isinstance(outcome, Exception):
                    say(name, f"FAILED after {took:.1f} s: {outcome}")
                    results[name] = ""
                else:
                    say(name, f"{outcome} ({took:.1f} s)")
                    results[name] = outcome
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
    failed = [n for n, r in results.items() if not r]
    wall = time.monotonic() - started
    print(f"clients-test: wall time {wall:.0f} s (limit 240 s), load average {os.getloadavg()[0]:.1f} at the end")
    print(f"clients-test: {len(results) - len(failed)} passed, {len(failed)} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
