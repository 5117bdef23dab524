"""What the log's Merkle tree costs: checkpoints and proofs at 10k and 1M events, and what
keeping it costs every write.

Proofs. On PostgreSQL, two throwaway schemas (created and dropped here) hold ~10k and BIG
(default 1M) stored events, COPYed straight into the event table (one real event's bytes under
fresh aggregate ids: the tree commits to bytes, so their meaning does not matter here); the
tree is then grown from the log by the projector with the log_tree view alone (timed). Then,
the two logs' samples interleaved round after round so that machine noise hits both:
  checkpoint:   wiring.checkpoint(): the size, the root from its frontier, the Ed25519 signature;
  inclusion:    LogTree.inclusion(random index): what GET /api/log/proof/inclusion computes at
                the log's size (its size, leaf, root, path), in-process, and the whole request
                through the Falcon app (falcon.testing);
  consistency:  the same for GET /api/log/proof/consistency from a random size to the log's.
p50/p95 of ROUNDS each after a warm-up. Targets: inclusion p95 at 1M under 2 ms, and flat: the
big log's p50 within 1.5x of the small log's.

Writes. Two more schemas, identical but for the tree: one wired with every view, one with
every view but log_tree. Round after round, each runs the same writes (create a project, grant
a role, remove it: six events), as commands through the application and as API requests
through the Falcon app, each write on one side then at once on the other (which goes first
alternating); the slowdown is the median of the paired ratios. The same run with the tree on
neither side (A/A) shows how much of that the machine's noise alone gives. Target: at most 5%.

Run: .venv/bin/python bench/log_tree.py [BIG]   (default 1_000_000: a few minutes; 100000
for a quick check). Progress goes to stderr. Printed, never asserted.
"""

import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from dataclasses import dataclass, field, replace
from pathlib import Path

import falcon.testing
import psycopg
from argon2 import PasswordHasher

from audit_log import POSTGRES_URL, drop_schemas, p, rate

from wharf.bootstrap import VIEWS, bootstrap, initialise, utc_now
from wharf.domain.origin import Origin
from wharf.domain.quotas import Quotas, Rate
from wharf.http.app import create_app
from wharf.projections import log_tree
from wharf.projections.projector import Projector
from wharf.security.passwords import Passwords
from wharf.settings import Settings

SMALL = 10_000
ROUNDS, WARM_UP = 400, 40
WRITE_ROUNDS, COMMANDS_PER_ROUND = 200, 3
PASSWORD = "bench-password-1f6c"
CHEAP = Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@dataclass
class Store:
    name: str
    schema: str
    wiring: object = None
    client: object = None
    size: int = 0
    figures: dict = field(default_factory=dict)
    samples: dict = field(default_factory=dict)  # label -> ms


def settings_of(schema: str, tmp: str) -> Settings:
    """A store of its own; project quotas that the writes' hundreds of projects never meet."""
    many = Rate(10**6, timedelta(hours=1))
    return Settings(data_dir=Path(tmp) / schema, database_url=POSTGRES_URL,
                    secret_key=b"bench-secret-key-0123456789", database_schema=schema,
                    quotas=Quotas(projects_per_account=many, projects_per_ip=many))


def origin(actor=None) -> Origin:
    return Origin(actor, "127.0.0.1", "wharf-bench", utc_now())


def fill(store: Store, events: int, tmp: str) -> None:
    """`events` stored events, then the tree grown from them."""
    settings = settings_of(store.schema, tmp)
    initialise(settings)
    store.wiring = wiring = bootstrap(settings, passwords=CHEAP)
    wiring.app.register(origin(), "template", "bench-password-1f6c", "t@example.com")
    template = wiring.app.recorder.select_notifications(1, 1)[0]
    print(f"{store.name}: writing {events:,} events", file=sys.stderr)
    started = time.perf_counter()
    with psycopg.connect(POSTGRES_URL, options=f"-c search_path={store.schema}") as conn:
        with conn.cursor().copy("COPY wharf_events (originator_id, originator_version, topic,"
                                " state) FROM STDIN") as copy:
            for _ in range(events - wiring.app.recorder.max_notification_id()):
                copy.write_row((uuid.uuid4(), 1, template.topic, bytes(template.state)))
    store.figures["events written (COPY)"] = rate(events, time.perf_counter() - started)
    print(f"{store.name}: growing the tree", file=sys.stderr)
    only_tree = Projector(wiring.db, wiring.app.recorder, wiring.app.mapper, [log_tree.VIEW])
    started = time.perf_counter()
    only_tree.catch_up()
    store.figures["tree grown from the log"] = rate(events, time.perf_counter() - started)
    wiring.db.execute_script(["ANALYZE log_tree"])
    store.size = wiring.log_tree.size()
    assert store.size == events, (store.size, events)
    store.client = falcon.testing.TestClient(create_app(wiring))




def inclusion(store: Store, rng: random.Random) -> None:
    store.wiring.log_tree.inclusion(rng.randrange(store.size))


def consistency(store: Store, rng: random.Random) -> None:
    store.wiring.log_tree.consistency(rng.randrange(1, store.size))


def over_http(path: str):
    def call(store: Store, rng: random.Random) -> None:
        answer = store.client.simulate_get(path.format(rng.randrange(1, store.size)))
        assert answer.status_code == 200, answer.text
    return call


MEASURES = {
    "checkpoint (signed)": lambda store, rng: store.wiring.checkpoint(),
    "inclusion proof": inclusion,
    "consistency proof": consistency,
    "GET inclusion (falcon)": over_http("/api/log/proof/inclusion?index={}"),
    "GET consistency (falcon)": over_http("/api/log/proof/consistency?from={}"),
}


def measure_proofs(stores: list[Store]) -> None:
    rng = random.Random(19)
    for label, measure in MEASURES.items():
        for store in stores:
            store.samples[label] = []
        for n in range(WARM_UP + ROUNDS):
            for store in stores if n % 2 == 0 else reversed(stores):
                started = time.perf_counter()
                measure(store, rng)
                if n >= WARM_UP:
                    store.samples[label].append((time.perf_counter() - started) * 1e3)
        for store in stores:
            values = store.samples[label]
            store.figures[f"{label}, p50 / p95 ms"] = f"{p(values, 50):.3f} / {p(values, 95):.3f}"




def measure_writes(tmp: str, calibrating: bool = False) -> dict:
    """Per side, the ms of each write: a command through the application, or the same through
    the Falcon app as an API request (session, JSON, resource, command). Each write runs on one
    side then the other, which goes first alternating, so both see the same moment."""
    sides = {}
    for name in ("with the tree", "without it"):
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        settings = settings_of(schema, tmp)
        initialise(settings)
        wiring = bootstrap(settings, passwords=CHEAP)
        if name == "without it" or calibrating:  # calibrating: the same on both sides
            wiring.app.projector = Projector(wiring.db, wiring.app.recorder, wiring.app.mapper,
                                             [v for v in VIEWS if v.name != "log_tree"])
        owner = wiring.app.register(origin(), "owner", PASSWORD, "o@example.com")
        verify_email(wiring, owner)  # projects need a verified primary email
        wiring.app.register(origin(), "member", PASSWORD, "m@example.com")
        session = wiring.app.log_in(origin(), "owner", PASSWORD)
        token = session.token
        wiring.app.reauthenticate(origin(owner), session.session_id, PASSWORD)  # roles need it
        client = falcon.testing.TestClient(create_app(wiring),
                                           headers={"Authorization": f"Bearer {token}"})
        sides[name] = {"schema": schema, "wiring": wiring, "owner": owner, "client": client,
                       "session_id": session.session_id, "command": [], "request": []}
    try:
        for n in range(WRITE_ROUNDS + 5):
            if n == 5:  # after the warm-up, statistics as autovacuum would have gathered them
                for side in sides.values():
                    side["wiring"].db.execute_script(["ANALYZE"])
            order = list(sides) if n % 2 == 0 else list(reversed(sides))
            for kind, step in [(k, s) for k in ("command", "request")
                               for s in range(COMMANDS_PER_ROUND)]:
                for name in order:
                    side = sides[name]
                    write = (command(side["wiring"].app, side["owner"], side["session_id"], n,
                                     step)
                             if kind == "command" else request(side["client"], n, step))
                    ms = timed(write)
                    if n >= 5:  # warm-up rounds
                        side[kind].append(ms)
        return {kind: slowdown(*(side[kind] for side in sides.values()))
                for kind in ("command", "request")}
    finally:
        for side in sides.values():
            side["wiring"].close()
        drop_schemas([side["schema"] for side in sides.values()])


def verify_email(wiring, account_id) -> None:
    """As the emailed link does: the token made from the pending message's nonce."""
    [message] = [m for m in wiring.outbox.pending() if m["account_id"] == str(account_id)
                 and m["template"] == "verify-email"]
    token = wiring.app.verification_tokens.issue(account_id, message["params"]["nonce"])
    wiring.app.verify_email(origin(), token)


def slowdown(with_tree: list[float], without: list[float]) -> dict:
    """Medians of each side, and the median of the paired ratios (each write against its
    twin, which ran at the same moment)."""
    paired = [a / b for a, b in zip(with_tree, without, strict=True)]
    return {"with": statistics.median(with_tree), "without": statistics.median(without),
            "paired": statistics.median(paired) - 1}


def command(app, owner, session_id, n: int, step: int):
    acting, project = replace(origin(owner), session_id=session_id), f"project-{n}"
    return [lambda: app.create_project(acting, project),
            lambda: app.grant_role(acting, project, "member", "Maintainer"),
            lambda: app.remove_role(acting, project, "member")][step]


def request(client, n: int, step: int):
    project = f"web-{n}"
    method, path, body = [("POST", "/api/projects", {"name": project}),
                          ("POST", f"/api/projects/{project}/roles",
                           {"username": "member", "role": "Maintainer"}),
                          ("DELETE", f"/api/projects/{project}/roles/member", None)][step]

    def send() -> None:
        answer = client.simulate_request(method, path, json=body, remote_addr="127.0.0.1")
        assert answer.status_code in (201, 204), answer.text
    return send


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1e3


def report(stores: list[Store], writes: dict, noise: dict) -> None:
    small, big = stores
    width = max(len(text) for store in stores for text in (store.name, *store.figures.values()))
    print(f"\n  {'':34} {small.name:>{width}}  {big.name:>{width}}")
    for label, text in small.figures.items():
        print(f"  {label:34} {text:>{width}}  {big.figures.get(label, '-'):>{width}}")
    print()
    worst = p(big.samples["inclusion proof"], 95)
    print(f"  inclusion proof p95 at {big.name}: {worst:.3f} ms (target under 2 ms:"
          f" {'met' if worst < 2 else 'MISSED'})")
    for label in ("inclusion proof", "consistency proof", "checkpoint (signed)"):
        ratio = p(big.samples[label], 50) / p(small.samples[label], 50)
        print(f"  {label} p50, {big.name} / {small.name}: {ratio:.2f}x (flat, target <= 1.5x:"
              f" {'met' if ratio <= 1.5 else 'MISSED'})")
    for kind, figures in writes.items():
        share = figures["paired"]
        print(f"  a {kind}: median {figures['with']:.3f} ms with the tree,"
              f" {figures['without']:.3f} ms without; paired slowdown {share:+.1%}"
              f" (target <= +5%: {'met' if share <= 0.05 else 'MISSED'}); with the tree on"
              f" neither side (noise): {noise[kind]['paired']:+.1%}")


def main() -> None:
    big = int(sys.argv[1].replace("_", "")) if len(sys.argv) > 1 else 1_000_000
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"The log's Merkle tree at {SMALL:,} and {big:,} events, PostgreSQL; load average"
          f" before: {load} on {os.cpu_count()} CPUs")
    stores: list[Store] = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            for size in (SMALL, big):
                stores.append(Store(f"{size:,} events", f"bench_{uuid.uuid4().hex[:12]}"))
                fill(stores[-1], size, tmp)
            print("measuring checkpoints and proofs", file=sys.stderr)
            measure_proofs(stores)
            print("measuring writes with and without the tree", file=sys.stderr)
            writes = measure_writes(tmp)
            noise = measure_writes(tmp, calibrating=True)
        finally:
            for store in stores:
                if store.wiring is not None:
                    store.wiring.close()
            drop_schemas([store.schema for store in stores])
    report(stores, writes, noise)
    print(f"\n  {ROUNDS} samples per measure and log after {WARM_UP} warm-up; writes: "
          f"{WRITE_ROUNDS} rounds of {COMMANDS_PER_ROUND} commands per side; load average"
          f" after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}.")




if __name__ == "__main__":
    main()
