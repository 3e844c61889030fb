"""A real SMTP server on 127.0.0.1 for the message tests (aiosmtpd).

    python smtp_sink.py PORT DIR [--raw]

Each message it accepts is written to DIR as one JSON file (written whole,
then renamed): the envelope's recipients, the headers the tests read, and
the plain-text and HTML parts decoded. With --raw (the benchmark), the
message as received, unparsed, so that the server costs less than the
sender it measures. Prints "ready" once listening; stops on SIGTERM.
"""
import email
import email.policy
import json
import os
import signal
import sys
import threading
import time

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder, raw):
        self.folder = folder
        self.raw = raw

    async def handle_DATA(self, server, session, envelope):
        if self.raw:
            name = os.path.join(self.folder, f"{time.time_ns()}.json")  # counted by name only
            with open(name + ".part", "wb") as f:
                f.write(envelope.original_content)
            os.rename(name + ".part", name)
            return "250 Message accepted for delivery"
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        plain = message.get_body(("plain",))
        html = message.get_body(("html",))
        record = {
            "rcpt_to": envelope.rcpt_tos,
            "mail_from": envelope.mail_from,
            "from": str(message["From"]),
            "to": str(message["To"]),
            "subject": str(message["Subject"]),
            "message_id": str(message["Message-ID"]),
            "list_unsubscribe": str(message["List-Unsubscribe"]) if message["List-Unsubscribe"] else None,
            "list_unsubscribe_post": str(message["List-Unsubscribe-Post"]) if message["List-Unsubscribe-Post"] else None,
            "content_type": message.get_content_type(),
            "text": plain.get_content() if plain else None,
            "html": html.get_content() if html else None,
        }
        name = os.path.join(self.folder, f"{time.time_ns()}.json")
        with open(name + ".part", "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(name + ".part", name)
        return "250 Message accepted for delivery"


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    raw = "--raw" in sys.argv[3:]
    controller = Controller(Sink(folder, raw), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
