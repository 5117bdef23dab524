"""`wharf files gc`: remove stored objects no event references."""

from datetime import timedelta

from wharf.bootstrap import utc_now
from wharf.files import collect_garbage


def add(commands) -> None:
    files = commands.add_parser("files", help="the uploaded files' store").add_subparsers(
        dest="files_command", required=True)
    gc = files.add_parser("gc", help="remove stored objects no event references, once older"
                          " than the grace period; list what was removed")
    gc.add_argument("--grace-hours", type=float, help="default WHARF_FILES_GC_GRACE_HOURS (24)")
    gc.set_defaults(run=_collect_garbage)


def _collect_garbage(wiring, args) -> None:
    grace = (timedelta(hours=args.grace_hours) if args.grace_hours is not None
             else wiring.settings.files_gc_grace)
    wiring.projector.catch_up()  # every recorded file is in the views before gc reads them
    collected = collect_garbage(wiring.file_store, wiring.files.references,
                                wiring.db.exclusive, utc_now() - grace)
    for removed in collected.removed:
        print(f"removed {removed.key} ({removed.size} bytes, last written"
              f" {removed.modified.isoformat(timespec='seconds')})")
    print(f"wharf: removed {len(collected.removed)} unreferenced objects"
          f" ({sum(r.size for r in collected.removed)} bytes); kept {collected.kept}")
