"""Slow clients (slowloris) on loopback: connections that hold a request open by trickling it.

Each connection is of one kind:
- `headers`: the request line and headers, one byte at a time, never finished;
- `body`: whole headers announcing a 4 KiB JSON body (a log-in), then the body a byte at a time;
- `short`: whole headers announcing 4 KiB, 16 bytes of body, then silence (a Content-Length
  longer than the body sent);
- `idle`: connects and sends nothing;
- `kept`: one whole request (`GET /api/health`, keep-alive), then nothing: an idle kept-alive
  connection.

One thread drives them all, one byte per connection every `interval` seconds, until `stop()`
or `seconds` have passed, whichever is first. A connection the server closes (or answers) is
recorded with how long it was held, and not reopened: what the server did with it is the result.
"""

import selectors
import socket
import threading
import time
from dataclasses import dataclass, field

KINDS = ("headers", "body", "short", "idle", "kept")
BODY_LENGTH = 4096


def opening(kind: str, host: str) -> tuple[bytes, bytes]:
    """(sent at once, then trickled) for a connection of `kind`."""
    headers = (f"POST /api/session HTTP/1.1\r\nHost: {host}\r\n"
               f"Content-Type: application/json\r\nContent-Length: {BODY_LENGTH}\r\n\r\n")
    body = ('{"username": "slow", "password": "' + "x" * BODY_LENGTH)[:BODY_LENGTH]
    if kind == "headers":
        return b"", (headers.replace("\r\n\r\n", "\r\n") + "X-Padding: " + "y" * 8000).encode()
    if kind == "body":
        return headers.encode(), body.encode()
    if kind == "short":
        return headers.encode() + body.encode()[:16], b""
    if kind == "kept":
        return f"GET /api/health HTTP/1.1\r\nHost: {host}\r\n\r\n".encode(), b""
    return b"", b""


@dataclass
class Connection:
    kind: str
    sock: socket.socket
    trickle: bytes
    opened_at: float
    sent: int = 0
    closed_after: float | None = None  # seconds from opening until the server let go
    answer: bytes = b""


@dataclass
class SlowClients:
    """`count` connections to (host, port), the kinds in turn."""

    host: str
    port: int
    count: int = 50
    interval: float = 1.0
    seconds: float = 60.0
    kinds: tuple[str, ...] = KINDS
    connections: list[Connection] = field(default_factory=list)

    def __post_init__(self):
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._drive, daemon=True, name="slow-clients")

    def __enter__(self) -> "SlowClients":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        for n in range(self.count):
            kind = self.kinds[n % len(self.kinds)]
            sock = socket.create_connection((self.host, self.port), timeout=5)
            first, trickle = opening(kind, self.host)
            sock.sendall(first)
            sock.setblocking(False)
            self.connections.append(Connection(kind, sock, trickle, time.monotonic()))
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=self.interval + 5)
        for conn in self.connections:
            conn.sock.close()

    def open(self) -> list[Connection]:
        """The connections the server still holds open."""
        return [conn for conn in self.connections if conn.closed_after is None]

    def held_longest(self, kind: str | None = None) -> float:
        """The longest any connection (of `kind`) was held before the server let go of it;
        connections still open count with their age."""
        now = time.monotonic()
        return max((conn.closed_after if conn.closed_after is not None else now - conn.opened_at)
                   for conn in self.connections if kind in (None, conn.kind))

    def _drive(self) -> None:
        deadline = time.monotonic() + self.seconds
        with selectors.DefaultSelector() as selector:
            for conn in self.connections:
                selector.register(conn.sock, selectors.EVENT_READ, conn)
            next_byte = time.monotonic()
            while not self._stopping.is_set() and time.monotonic() < deadline and self.open():
                for key, _ in selector.select(timeout=max(0.0, next_byte - time.monotonic())):
                    self._read(key.data, selector)
                if time.monotonic() >= next_byte:
                    for conn in self.open():
                        self._trickle(conn, selector)
                    next_byte += self.interval

    def _read(self, conn: Connection, selector) -> None:
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        conn.answer += data
        if not data:
            self._closed(conn, selector)

    def _trickle(self, conn: Connection, selector) -> None:
        if conn.sent >= len(conn.trickle):
            return
        try:
            conn.sent += conn.sock.send(conn.trickle[conn.sent:conn.sent + 1])
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            self._closed(conn, selector)

    @staticmethod
    def _closed(conn: Connection, selector) -> None:
        if conn.closed_after is None:
            conn.closed_after = time.monotonic() - conn.opened_at
            selector.unregister(conn.sock)
