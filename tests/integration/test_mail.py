"""The outbox reaches a real SMTP server when one is configured, once per message."""

import socket
from dataclasses import replace

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from wharf.mail import deliver_pending, transport_for


class Inbox(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message) -> None:
        self.messages.append(message)


@pytest.fixture
def smtp_server():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield f"smtp://127.0.0.1:{port}", inbox
    controller.stop()


def test_messages_are_sent_over_smtp_once(api, smtp_server):
    url, inbox = smtp_server
    api.register("alice")
    transport = transport_for(replace(api.wiring.settings, smtp_url=url))

    first = deliver_pending(api.wiring.outbox, api.wiring.renderer, transport, api.wiring.clock())
    again = deliver_pending(api.wiring.outbox, api.wiring.renderer, transport, api.wiring.clock())

    assert (first, again) == (1, 0)
    assert [m["To"] for m in inbox.messages] == ["alice@example.com"]
    assert "token=" in inbox.messages[0].get_payload()
    with api.wiring.db.transaction() as cur:
        stored = str(cur.execute("SELECT * FROM outbox").fetchall())
    token = inbox.messages[0].get_payload().split("token=")[1].split()[0]
    assert token not in stored


def test_an_unreachable_mail_server_leaves_messages_pending_until_it_returns(api, smtp_server):
    url, inbox = smtp_server
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        nowhere = f"smtp://127.0.0.1:{probe.getsockname()[1]}"
    api.register("alice")
    settings = api.wiring.settings

    down = deliver_pending(api.wiring.outbox, api.wiring.renderer,
                           transport_for(replace(settings, smtp_url=nowhere)), api.wiring.clock())
    assert down == 0
    assert len(api.wiring.outbox.pending()) == 1

    back = deliver_pending(api.wiring.outbox, api.wiring.renderer,
                           transport_for(replace(settings, smtp_url=url)), api.wiring.clock())
    assert back == 1
    assert [m["To"] for m in inbox.messages] == ["alice@example.com"]
