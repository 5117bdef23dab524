"""`wharf audit`: the log's hash chain and Merkle tree, checked here or by a witness."""

import argparse
import base64
import re
import sys
from pathlib import Path

from wharf import witness
from wharf.projections import audit_chain, log_tree


def add(commands) -> None:
    audit = commands.add_parser("audit", help="the log's hash chain and Merkle tree"
                                ).add_subparsers(dest="audit_command", required=True)
    audit.add_parser("head", help="print the chain's head, to keep outside Wharf"
                     ).set_defaults(run=_head)
    verify = audit.add_parser("verify", help="walk the chain; name the first altered, missing"
                              " or moved entry")
    verify.add_argument("--head", type=_kept_head, metavar="'POSITION HASH'",
                        help="`wharf audit head`'s output, kept outside Wharf; later entries"
                        " may follow it")
    verify.set_defaults(run=_verify)
    audit.add_parser("checkpoint", help="print the log's signed checkpoint now"
                     ).set_defaults(run=_checkpoint)
    witnessing = audit.add_parser("witness", help="check a Wharf's checkpoint against the one"
                                  " kept in FILE, keep the newer (exit 1 on a fork or rewrite)")
    witnessing.add_argument("url", help="the Wharf, e.g. https://wharf.example")
    witnessing.add_argument("--state", required=True, type=Path, metavar="FILE",
                            help="the witness's own file")
    witnessing.add_argument("--key", help="the verifier key to trust (default: the one pinned"
                            " in FILE, or on first use the one the log publishes)")
    witnessing.set_defaults(alone=_witness)


def _kept_head(text: str) -> audit_chain.Head:
    kept = re.fullmatch(r"([0-9]{1,19}) ([0-9a-fA-F]{64})", text.strip())
    if kept is None:
        raise argparse.ArgumentTypeError(
            "give `wharf audit head`'s output: POSITION HASH (a number, a space and 64 hex"
            " digits), e.g. --head \"$(wharf audit head)\"")
    return audit_chain.Head(int(kept[1]), kept[2].lower())


def _head(wiring, args) -> None:
    wiring.projector.catch_up()  # chain what is already in the log
    print(audit_chain.head(wiring.db))


def _checkpoint(wiring, args) -> None:
    wiring.projector.catch_up()
    print(wiring.checkpoint()[1], end="")


def _verify(wiring, args) -> int:
    wiring.projector.catch_up()
    verdict = audit_chain.verify(wiring.db, wiring.app.recorder, args.head)
    if not verdict.ok:
        print(f"wharf: the log fails its hash chain: {verdict.problem}", file=sys.stderr)
        return 1
    print(f"wharf: {verdict.checked} entries hold together; head {verdict.head}")
    tree = log_tree.verify(wiring.db, wiring.app.recorder)
    if not tree.ok:
        print(f"wharf: the log fails its Merkle tree: {tree.problem}", file=sys.stderr)
        return 1
    print(f"wharf: the Merkle tree of {tree.checked} entries holds together; root"
          f" {base64.b64encode(tree.root).decode()}")
    return 0


def _witness(args) -> int:
    try:
        for line in witness.witness(args.url, args.state, args.key):
            print(f"wharf: {line}")
    except witness.Refused as error:
        print(f"wharf: REFUSED: {error}", file=sys.stderr)
        return 1
    except witness.Unreachable as error:
        print(f"wharf: nothing was checked: {error}", file=sys.stderr)
        return 2
    return 0
