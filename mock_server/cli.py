"""The sign8-mock command: serve, seed, reset, export, import, check, repair, routes, proxy, drift."""
from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import signal
import sys
from typing import NoReturn

from . import __version__
from .app import create_app
from .contract import watch_to_file
from .config import from_env
from .messages.relay import parse_smtp_url
from .seed import SeedError
from .patches.waitress_drain import GracefulStop
from .serving import make_server
from .services import Services
from .snapshot import SnapshotError
from .storage.errors import StoreError

log = logging.getLogger("sign8_mock")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help="TinyDB file, or :memory: (env SIGN8_MOCK_DB; default data/sign8-mock.json)")
    parser.add_argument("--fixtures", help="fixtures folder: organizations.json and seed/ (env SIGN8_MOCK_FIXTURES)")
    parser.add_argument("--organizations-file", dest="organizations_file",
                        help="organizations JSON (env SIGN8_MOCK_ORGANIZATIONS_FILE)")


def _smtp_url(value: str) -> str:
    try:
        parse_smtp_url(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return value


def _days(value: str) -> float:
    try:
        days = float(value)
    except ValueError:
        days = 0.0
    if not days > 0 or days == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of days greater than 0, got {value!r}")
    return days


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sign8-mock", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="serve the API with waitress")
    _common(serve)
    serve.add_argument("--host", help="bind address (env SIGN8_MOCK_HOST; default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port, 0 for any free one (env SIGN8_MOCK_PORT; default 8080)")
    serve.add_argument("--auth", choices=["open", "strict"], help="open provisions unknown keys (env SIGN8_MOCK_AUTH)")
    serve.add_argument("--public-url", dest="public_url", help="base of signing links (env SIGN8_MOCK_PUBLIC_URL)")
    serve.add_argument("--admin-token", dest="admin_token", help="token every /_mock call must carry (env SIGN8_MOCK_ADMIN_TOKEN)")
    serve.add_argument("--cors-origins", dest="cors_origins",
                       help="comma-separated origins (or *) allowed to call from a browser page; off by default "
                            "(env SIGN8_MOCK_CORS_ORIGINS)")
    serve.add_argument("--threads", type=int, help="waitress worker threads (env SIGN8_MOCK_THREADS; default 16)")
    serve.add_argument("--smtp-url", dest="smtp_url", type=_smtp_url,
                       help="also send every captured e-mail to smtp://host:port, e.g. Mailpit (env SIGN8_MOCK_SMTP_URL)")
    serve.add_argument("--retention", type=_days, metavar="DAYS",
                       help="remove final workflows DAYS after their final state (their organization's clock) and "
                            "provisioned organizations idle for DAYS, in the background; off by default "
                            "(env SIGN8_MOCK_RETENTION)")
    for name in ("seed", "reset"):
        p = sub.add_parser(name, help=f"{name} the database")
        _common(p)
    exp = sub.add_parser("export", help="write a snapshot of the database to a file (or -)")
    _common(exp)
    exp.add_argument("file")
    imp = sub.add_parser("import", help="replace the database with a snapshot file")
    _common(imp)
    imp.add_argument("file")
    for name, text in (("check", "check the database's files; exit 2 naming a damaged one"),
                       ("repair", "keep every intact record, move damaged files aside, write a fresh snapshot")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--db", help="TinyDB file (env SIGN8_MOCK_DB; default data/sign8-mock.json)")
    sub.add_parser("routes", help="print the endpoint table")
    proxy = sub.add_parser("proxy", help="forward the Workflow API to a SIGN8 system, relay its webhooks, record a HAR")
    proxy.add_argument("--upstream", required=True, help="base URL of the SIGN8 system the calls go to")
    proxy.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    proxy.add_argument("--port", type=int, default=8081, help="port, 0 for any free one (default 8081)")
    proxy.add_argument("--record", metavar="FILE.har", help="write every exchange, redacted, into this HAR 1.2 file")
    proxy.add_argument("--keep-bodies", dest="keep_bodies", action="store_true",
                       help="keep file contents in the HAR (default: only their size and SHA-256)")
    proxy.add_argument("--forward-webhooks", dest="forward_webhooks", metavar="URL",
                       help="forward each webhook received on /_proxy/webhooks/... to URL/...")
    drift = sub.add_parser("drift", help="compare a recorded HAR with the mock's contract; exit 1 when they differ")
    drift.add_argument("file", metavar="FILE.har")
    drift.add_argument("--format", choices=["md", "json"], default="md", help="markdown (default) or stable JSON")
    return parser


def _settings(args):
    overrides = {k: v for k, v in vars(args).items() if k not in {"command", "file"}}
    return from_env(**overrides)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # waitress warns "Task queue depth is N" on every queued request under load: noise that costs time.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    # pypdf warns about every oddity of a malformed upload, which the API already answers with a 422.
    # Set here, in the command, never at import: a user's test process keeps its own logging.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    # fpdf2 logs a warning per glyph the font lacks (e.g. CJK in DejaVu): expected in the signed PDFs and reports.
    logging.getLogger("fpdf").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    command = args.command or "serve"
    if args.command is None:
        args = build_parser().parse_args(["serve"])
    try:
        if command == "serve":
            return serve(_settings(args))
        if command == "routes":
            return routes()
        if command == "proxy":
            return proxy(args)
        if command == "drift":
            return drift(args.file, args.format)
        if command in ("check", "repair"):
            return check_or_repair(_settings(args).db, repair=command == "repair")
        return offline_command(command, args)
    except StoreError as exc:
        # One line a person can act on, never a traceback: which file, where, and what to do.
        print(f"sign8-mock: {exc}", file=sys.stderr)
        return 2


def check_or_repair(db: str, repair: bool) -> int:
    """Check (or repair) a database's snapshot and journals without serving it."""
    if db == ":memory:":
        print("sign8-mock: an in-memory database has no files to check.", file=sys.stderr)
        return 2
    if not repair:
        counts = Services.check_database(db)
        print(f"{db}: ok ({', '.join(f'{t} {n}' for t, n in counts.items())})")
        return 0
    moved = Services.repair_database(db)
    for original, aside, problem in moved:
        print(f"{original}: {problem}; moved aside to {aside}")
    print(f"{db}: repaired; every intact record kept" if moved else f"{db}: nothing to repair")
    return 0


def serve(settings) -> NoReturn:
    """Serve until SIGINT/SIGTERM; in-flight requests finish, pending webhooks stay queued."""
    if settings.host not in ("127.0.0.1", "localhost", "::1") and not settings.admin_token:
        print(f"WARNING: binding {settings.host} without --admin-token: anyone who can reach it "
              "can reset, snapshot and control this mock.", file=sys.stderr)
    if settings.retention is not None and not 0 < settings.retention < float("inf"):
        print(f"sign8-mock: SIGN8_MOCK_RETENTION must be a number of days greater than 0, not {settings.retention}.",
              file=sys.stderr)
        return 2
    # This process serves one instance for its whole life: what is loaded now (the store's records, the app)
    # lives as long as it does. Moved out of the cyclic collector's reach, it is not walked again by every
    # collection (at 50,000 stored workflows the first ones after loading took ~0.1 s before the first answer).
    # The collector stays off until then: the store turns it back on after loading if it was on, and the first
    # allocation would then walk every record just made (18 ms for a day's window of bench J, 53,000 records).
    # Not in create_app: a process that builds many apps (the test suite) would keep their garbage forever.
    gc.disable()
    app = create_app(settings, start_background=False)
    watch_to_file(app)  # only when SIGN8_MOCK_CONTRACT_LOG is set (a test suite's contract check)
    gc.freeze()
    gc.enable()
    _return_freed_heap()
    services = app.extensions["sign8"]
    server = make_server(app, host=settings.host, port=settings.port, threads=settings.threads)
    port = server.effective_port
    services.bind(settings.host, port)
    if settings.fixtures:
        services.seed(settings.fixtures)
    services.start()
    drain = GracefulStop(server)
    signal.signal(signal.SIGTERM, drain.request)
    signal.signal(signal.SIGINT, drain.request)
    # The banner last: whoever waits for it may signal at once, and the handlers must be in place by then.
    print(banner(services, port), flush=True)
    try:
        server.run()
    except SystemExit:
        pass
    finally:
        # The drain already waited for requests in flight; one still running now is abandoned (its client sees
        # the connection close), so the whole stop stays within 5 s.
        server.task_dispatcher.shutdown(cancel_pending=False, timeout=0.5)
        services.stop()
    print("sign8-mock stopped.", flush=True)
    sys.stderr.flush()
    # Everything is durable now (the store is closed and fsynced). Leave without the interpreter's teardown:
    # a daemon thread still inside a long C call (a request abandoned by the drain, a webhook send) would
    # hold it for seconds, and SIGTERM must end the process within 5 s.
    os._exit(0)


def _return_freed_heap() -> None:
    """Give the OS back the memory that loading the store used and freed (the files' bytes, parsing)."""
    # glibc keeps freed heap pages for reuse, so RSS stays at the loading peak: ~12 MB more at 50,000 workflows.
    # ctypes is imported here because only serve needs it (2 ms).
    import ctypes
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc (musl, macOS): nothing to hand back this way


def banner(services, port: int) -> str:
    s = services.settings
    url = f"http://{s.host if ':' not in s.host else '[' + s.host + ']'}:{port}"
    lines = [f"sign8-mock {__version__} listening on {url}",
             f"  API docs:   {url}/docs   (OpenAPI: {url}/openapi.json)",
             f"  Dashboard:  {url}/_mock/",
             f"  Database:   {'in memory' if s.in_memory else services.health()['storage']}",
             f"  Auth mode:  {s.auth}"]
    if s.auth == "open":
        lines.append("              (each new API key gets a new, empty organization: a mistyped key sees nothing of "
                     "yours; answers name it in X-Sign8-Mock-Organization, GET /_mock/organization shows it)")
    if s.retention is not None:
        lines.append(f"  Retention:  {s.retention:g} days (final workflows and idle provisioned organizations "
                     "are removed; POST /_mock/retention/run runs it now)")
    if s.smtp_url:
        lines.append(f"  SMTP relay: {services.smtp_relay()}   (captured e-mails: {url}/_mock/messages/inbox)")
    for org in services.organization_list(None):
        if not org.get("known"):
            continue
        # Only keys marked "demo" (published in the repo's fixtures) are printed; a user's own keys never.
        shown = org["api_key"] if org.get("demo") else "<redacted>"
        label = "Demo key:" if org.get("demo") else "Org key: "
        lines.append(f"  {label}   {shown}  ({org['name']}, {org['organization_id']})")
    return "\n".join(lines)


def routes() -> int:

    app = create_app({"db": ":memory:", "scheduler": False}, start_background=False)
    rows = []
    for r in app.url_map.iter_rules():
        doc = (app.view_functions[r.endpoint].__doc__ or "").strip().splitlines()
        for method in sorted(r.methods - {"HEAD", "OPTIONS"}):
            rows.append((r.rule, method, doc[0] if doc else ""))
    rows.sort()
    width = max(len(rule) for rule, _, _ in rows)
    for rule, method, summary in rows:
        print(f"{method:<7} {rule:<{width}}  {summary}".rstrip())
    return 0


def proxy(args) -> int:
    """Run the recording proxy until SIGINT/SIGTERM; the HAR file is complete after every exchange."""
    from .calibration.proxy import ProxyServer

    try:
        server = ProxyServer(args.upstream, host=args.host, port=args.port, record=args.record,
                             keep_bodies=args.keep_bodies, forward_webhooks=args.forward_webhooks)
    except ValueError as exc:
        print(f"sign8-mock proxy: {exc}", file=sys.stderr)
        return 2

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    print(f"sign8-mock proxy listening on {server.url} -> {args.upstream}\n"
          f"  Webhook URL to register: {server.webhook_url}"
          + (f"   (forwarded to {args.forward_webhooks})" if args.forward_webhooks else "   (recorded only)")
          + f"\n  Recording:  {args.record or 'off (no --record)'}", flush=True)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.close()
    print(f"sign8-mock proxy stopped; {len(server.entries)} exchanges recorded.", flush=True)
    return 0


def drift(path: str, fmt: str) -> int:
    """Print the drift report of a HAR file; 0 when nothing drifted, 1 when something did, 2 when unreadable."""
    from .calibration.drift import drift_report, to_markdown
    from .contract import ContractExtraMissing, require_openapi_core

    try:
        require_openapi_core()  # before reading the HAR: the one line says what to install
    except ContractExtraMissing as exc:
        print(f"sign8-mock drift {exc}", file=sys.stderr)
        return 2
    try:
        report = drift_report(path)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"sign8-mock drift: cannot read {path} as a HAR file: {exc}", file=sys.stderr)
        return 2
    if not report["summary"]["exchanges"] and not report["summary"]["webhooks"]:
        print(f"sign8-mock drift: {path} holds no Workflow API call and no webhook that reached the service: "
              "nothing to compare.", file=sys.stderr)
        return 2
    sys.stdout.write(json.dumps(report, indent=2, sort_keys=True) + "\n" if fmt == "json" else to_markdown(report) + "\n")
    return 1 if report["drifted"] else 0


def offline_command(command: str, args) -> int:

    settings = _settings(args)
    services = Services(settings)
    try:
        if command == "seed":
            folder = settings.fixtures or "fixtures"
            try:
                counts = services.seed(folder)
            except (SeedError, ValueError, KeyError, OSError) as exc:
                print(f"error: cannot seed from {folder}: {exc!r}", file=sys.stderr)
                return 2
            print(json.dumps({"seeded": counts}))
        elif command == "reset":
            print(json.dumps({"removed": services.reset()}))
        elif command == "export":
            state = services.export_snapshot(None)
            text = json.dumps(state, indent=1)
            if args.file == "-":
                sys.stdout.write(text + "\n")
            else:
                with open(args.file, "w", encoding="utf-8") as fh:
                    fh.write(text)
        elif command == "import":
            with open(args.file, encoding="utf-8") as fh:
                try:
                    counts = services.import_snapshot(None, json.load(fh))
                except (SnapshotError, ValueError) as exc:
                    print(f"error: {exc}", file=sys.stderr)
                    return 2
            print(json.dumps({"imported": counts}))
    finally:
        services.stop()
    return 0
