"""The `wharf` command: init, serve, admin, projections, files, audit, replay, tokens.

Each verb lives in a module of its own that adds its parser (`add`) and names what runs it:
`run(wiring, args)` with Wharf's wiring, or `alone(args)` for a verb that needs no store.
"""

import argparse
import os
import sys

from wharf import logs
from wharf.bootstrap import bootstrap, initialise
from wharf.cli import admin, audit, files, projections, replay, tokens
from wharf.domain.errors import DomainError
from wharf.settings import ensure_secret_key, from_environ


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wharf", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init", help="create the event store and view tables (idempotent)")
    serve = commands.add_parser("serve", help="run the web process under gunicorn")
    serve.add_argument("--bind", default=default_bind(os.environ))
    serve.add_argument("--workers", type=int, default=int(os.environ.get("WHARF_WORKERS", 2)))
    for verb in (admin, files, projections, audit, replay, tokens):
        verb.add(commands)
    args = parser.parse_args(argv)
    logs.configure()

    if hasattr(args, "alone"):
        return args.alone(args)  # runs away from Wharf: no configuration, no store
    settings = from_environ()
    if args.command == "init":
        settings = ensure_secret_key(settings)
        initialise(settings)
        where = settings.database_url and "PostgreSQL" or settings.sqlite_path
        print(f"wharf: store ready ({where})")
        return 0
    if not settings.secret_key:
        print("wharf: no secret key: set WHARF_SECRET_KEY or run `wharf init`", file=sys.stderr)
        return 2
    if args.command == "serve":
        # gunicorn's control socket lives in ~/.gunicorn/ by default, shared by every server
        # on the host; Wharf does not use it.
        os.execv(sys.executable, [sys.executable, "-m", "gunicorn", "--bind", args.bind,
                                  "--workers", str(args.workers), "--no-control-socket",
                                  "--config", "python:wharf.http.gunicorn_conf",
                                  "wharf.http.app:get_app()"])
    wiring = bootstrap(settings, check_connections=getattr(args, "long_running", False))
    try:
        return args.run(wiring, args) or 0
    except DomainError as error:
        print(f"wharf: {error.detail}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        wiring.close()


def default_bind(environ) -> str:
    """WHARF_BIND; else every interface at PORT, which honcho and platforms that run a
    Procfile give its web process; else loopback port 8000."""
    port = environ.get("PORT")
    return environ.get("WHARF_BIND") or (f"0.0.0.0:{port}" if port else "127.0.0.1:8000")
