"""How long `wharf serve` waits for a request's body (gunicorn's hooks in gunicorn_conf.py call
these): BODY_GRACE seconds plus one second per BODY_MIN_RATE bytes of its Content-Length. Then,
if the body is not in yet, the connection's reading side is shut, so the application reads the
end of the body early and answers 408 (`wharf/http/body.py`), and the connection is closed
after that answer: a request sent behind it on the same connection could never be read. A
request whose body is in (a GET, say) is never cut, however long it waits for the store.

A module of its own, free of gunicorn_conf's side effects, so that tests can import it."""

import socket

BODY_GRACE = 10.0  # seconds
BODY_MIN_RATE = 64 * 1024  # bytes a second: a 100 MB upload may take 27 minutes


def start(req) -> None:
    import gevent  # only in the workers, which gevent has patched by now

    length = getattr(getattr(req.body, "reader", None), "length", None) or 0  # chunked: 0
    req.wharf_body_deadline = gevent.spawn_later(BODY_GRACE + length / BODY_MIN_RATE,
                                                 stop_reading, req)


def cancel(req) -> None:
    deadline = getattr(req, "wharf_body_deadline", None)
    if deadline is not None:
        deadline.kill(block=False)


def stop_reading(req) -> None:
    """What the client has not sent of the body yet reads as its end; the answer still goes
    out, on a connection then closed. Shut through a duplicate descriptor: gevent's own
    shutdown() would raise in the reader."""
    if getattr(getattr(req.body, "reader", None), "length", None) == 0:
        return  # the whole body is in: nothing to cut, and the connection may serve another
    req.must_close = True
    sock = req.unreader.sock
    try:
        with socket.fromfd(sock.fileno(), sock.family, sock.type) as same:
            same.shutdown(socket.SHUT_RD)
    except OSError:
        pass  # closed already
