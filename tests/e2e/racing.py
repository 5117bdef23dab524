"""Two OS processes that send their requests at the same instant, round after round.

Each racer prepares its request, waits at a shared barrier, then sends it; so in every round
both requests leave together, each to its own server.
"""

import multiprocessing
from dataclasses import dataclass, field

import requests

BARRIER_TIMEOUT = 30
RESULTS_TIMEOUT = 60


@dataclass(frozen=True)
class Call:
    path: str
    body: dict
    token: str | None = None
    file: tuple[str, bytes] | None = None  # an upload as twine sends it: `body` is the form,
    #                                        the file its `content` part, `token` an API token


@dataclass(frozen=True)
class Outcome:
    status: int
    code: str | None
    reason: str = field(default="", compare=False)  # the reason phrase: twine prints it


def _request(url: str, call: Call) -> requests.Request:
    if call.file is not None:
        return requests.Request("POST", url + call.path, data=call.body,
                                files={"content": call.file}, auth=("__token__", call.token))
    headers = {"Authorization": f"Bearer {call.token}"} if call.token else {}
    return requests.Request("POST", url + call.path, json=call.body, headers=headers)


def _racer(index: int, url: str, calls: list[Call], barrier, results) -> None:
    http = requests.Session()
    for round_, call in enumerate(calls):
        prepared = http.prepare_request(_request(url, call))
        barrier.wait(BARRIER_TIMEOUT)
        try:
            response = http.send(prepared, timeout=BARRIER_TIMEOUT)
        except requests.RequestException as error:  # reported, so the test fails, not hangs
            results.put((round_, index, 0, repr(error), ""))
            continue
        code = response.json().get("code") if response.status_code >= 400 else None
        results.put((round_, index, response.status_code, code, response.reason))


def race(first: tuple[str, list[Call]],
         second: tuple[str, list[Call]]) -> list[tuple[Outcome, Outcome]]:
    """Run two racers, each (server url, one call per round); return both outcomes per round."""
    context = multiprocessing.get_context("fork")  # quick to start; racers only use `requests`
    barrier, results = context.Barrier(2), context.Queue()
    racers = [context.Process(target=_racer, args=(i, url, calls, barrier, results), daemon=True)
              for i, (url, calls) in enumerate((first, second))]
    for racer in racers:
        racer.start()
    try:
        rounds = len(first[1])
        outcomes: dict[tuple[int, int], Outcome] = {}
        for _ in range(2 * rounds):
            round_, index, status, code, reason = results.get(timeout=RESULTS_TIMEOUT)
            outcomes[round_, index] = Outcome(status, code, reason)
        return [(outcomes[r, 0], outcomes[r, 1]) for r in range(rounds)]
    finally:
        for racer in racers:
            racer.join(timeout=5)
            if racer.is_alive():
                racer.kill()
                racer.join()
