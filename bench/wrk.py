"""Load from wrk (Debian's `wrk`, compiled C): a baseline the Python clients cannot reach on a
shared machine, because they spend CPU the servers would otherwise have.

Like the Python clients, wrk asks for a new connection per request (`Connection: close`; the
sync gunicorn workers close it anyway). Its `done` hook prints the figures on one line.
"""

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK %d %d %d %d %d %d %d %.3f %.3f\\n", summary.requests,
    summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000))
end
"""


@dataclass(frozen=True)
class WrkResult:
    name: str
    requests: int
    seconds: float
    errors: int  # connect, read, write, timeout, and answers other than 2xx/3xx
    p50_ms: float
    p95_ms: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def available() -> bool:
    return shutil.which("wrk") is not None


def run(name: str, port: int, path: str, seconds: int, threads: int, connections: int,
        token: str | None = None) -> WrkResult:
    headers = ["-H", "Connection: close"]
    if token:
        headers += ["-H", f"Authorization: Bearer {token}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        Path(script.name).write_text(REPORT)
        done = subprocess.run(
            ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
             "-s", script.name, *headers, f"http://127.0.0.1:{port}{path}"],
            capture_output=True, text=True, check=True, timeout=seconds + 30)
    line = next(line for line in done.stdout.splitlines() if line.startswith("WRK "))
    requests, micros, *errors, p50, p95 = line.split()[1:]
    return WrkResult(name, int(requests), int(micros) / 1e6,
                     sum(int(e) for e in errors), float(p50), float(p95))
