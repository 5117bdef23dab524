"""The outbox reaches a real SMTP server when one is configured, once per message."""

import re
import socket
from dataclasses import replace
from email.utils import parsedate_to_datetime

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from wharf.mail import transport_for


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

    first = api.wiring.deliver_mail(transport)
    again = api.wiring.deliver_mail(transport)

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

    down = api.wiring.deliver_mail(transport_for(replace(settings, smtp_url=nowhere)))
    assert down == 0
    assert len(api.wiring.outbox.pending()) == 1

    back = api.wiring.deliver_mail(transport_for(replace(settings, smtp_url=url)))
    assert back == 1
    assert [m["To"] for m in inbox.messages] == ["alice@example.com"]


def test_every_message_carries_its_date_and_id_as_rfc_5322_requires(api, clock):
    alice_registered = clock()
    api.register("alice")
    clock.advance(hours=3)
    api.register("bob")

    messages = {m["To"]: m for m in api.mail()}  # both delivered now, three hours on

    assert set(messages) == {"alice@example.com", "bob@example.com"}
    assert parsedate_to_datetime(messages["alice@example.com"]["Date"]) == alice_registered
    assert parsedate_to_datetime(messages["bob@example.com"]["Date"]) == clock()
    for message in messages.values():
        assert re.fullmatch(r"<[0-9a-f-]{36}@[\w.-]+>", message["Message-ID"])
        assert not message.defects


def test_a_message_rendered_again_keeps_its_date_and_id(api, clock):
    written = clock()
    api.register("alice")
    [message] = api.wiring.outbox.pending()
    clock.advance(minutes=10)

    first, again = (api.wiring.renderer.render(message) for _ in range(2))

    assert first["Date"] == again["Date"] and first["Message-ID"] == again["Message-ID"]
    assert parsedate_to_datetime(first["Date"]) == written


def test_every_delivered_message_is_recorded_once_with_its_template_and_recipient(api):
    session = api.user("alice")
    api.call("POST", "/api/account/emails", session, json={"email": "alice@work.example"})

    delivered = api.mail()
    api.mail()  # nothing more to deliver, nothing more recorded

    history = api.call("GET", "/api/account/events", session,
                       params={"name": "account:email:sent"}).json["events"]
    recorded = sorted((e["details"]["template"], e["details"]["recipient"]) for e in history
                      if "template" in e["details"])
    assert recorded == [("email-added", "alice@example.com"),
                        ("verify-email", "alice@example.com"),
                        ("verify-email", "alice@work.example")]
    links = [m.get_content().split("token=")[1].split()[0] for m in delivered
             if "token=" in m.get_content()]
    assert links and not [link for link in links if link in str(history)]
