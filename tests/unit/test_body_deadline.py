"""The body deadline of `wharf serve` (wharf/http/body_deadline.py), on requests parsed by
gunicorn's own parser from a real socket: it cuts only a body still on its way, and a cut
connection is closed after its answer, never reused for a request it can no longer read."""

import socket

from gunicorn.config import Config
from gunicorn.http.parser import RequestParser

from wharf.http import body_deadline


def _parsed(client: socket.socket, server: socket.socket, raw: bytes) -> RequestParser:
    client.sendall(raw)
    return RequestParser(Config(), server, ("127.0.0.1", 1))


def test_a_request_whose_body_is_in_keeps_its_connection_when_it_outlives_the_deadline():
    client, server = socket.socketpair()
    with client, server:
        parser = _parsed(client, server, b"GET /api/account HTTP/1.1\r\nHost: x\r\n\r\n")
        first = next(parser)
        body_deadline.stop_reading(first)  # it waited long, for the store say
        assert not first.should_close()
        client.sendall(b'POST /api/register HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}')
        second = next(parser)
        assert second.body.read() == b"{}"


def test_a_body_still_on_its_way_is_cut_and_its_connection_closed_after_the_answer():
    client, server = socket.socketpair()
    with client, server:
        parser = _parsed(client, server, b"POST /api/register HTTP/1.1\r\nHost: x\r\n"
                                         b"Content-Length: 10\r\n\r\n{}")
        request = next(parser)
        assert not request.should_close()
        body_deadline.stop_reading(request)
        assert request.body.read() == b"{}"  # the part that came; the rest reads as the end
        assert request.should_close()
