"""A real Kannel for the tests (the ``kannel`` fixture, tests/conftest.py): bearerbox with two fake SMSCs, smsbox
with its ``sendsms`` port, and Kannel's own ``fakesmsc`` as the phone network, on free ports under the test's tmp
folder, so that each pytest-xdist worker runs its own.

- "phones": a fake SMSC with a long-running fakesmsc connected. Every message the portal sends arrives there, and
  fakesmsc writes it to its log ("Got message 3: <sender number type data>"), which ``received`` reads back as a
  phone would show it (long messages joined from their parts, UCS-2 decoded). Kannel's fake SMSC answers each
  message that asks for reports with a real delivery report, "delivered", which smsbox sends to the portal's
  ``dlr-url``; it never reports a failure.
- "incoming": a second fake SMSC that sends nothing out (``allowed-smsc-id``). ``send_from`` connects a short-lived
  fakesmsc to it that sends one message; bearerbox hands it to smsbox, whose ``sms-service`` calls the portal's
  ``/sms/incoming`` on the live server, as in docs/deploy.md.
"""
from __future__ import annotations

import re
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote_to_bytes
from urllib.request import urlopen

from tests.helpers import free_port

BEARERBOX, SMSBOX = "/usr/sbin/bearerbox", "/usr/sbin/smsbox"
FAKESMSC = "/usr/lib/kannel/test/fakesmsc"
PROGRAMS = (BEARERBOX, SMSBOX, FAKESMSC)
#: The portal's short code, to which members reply.
SHORT_CODE = "1234"
CALLBACK_SECRET = "kannel-callback-secret-for-the-tests-only"
#: Numbers that no SMSC takes: smsbox answers 403 "Not routable. Do not try again."
UNROUTABLE = "+999"
RECEIVED = re.compile(r"Got message \d+: <(.*)>$")
TYPES = ("text", "data", "ucs-2", "udh")

CONFIG = """
group = core
admin-port = {admin}
admin-interface = 127.0.0.1
admin-password = {admin_password}
admin-allow-ip = 127.0.0.1
smsbox-port = {boxes}
box-allow-ip = 127.0.0.1
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = phones
port = {phones}
connect-allow-ip = 127.0.0.1
denied-prefix = "{unroutable}"

group = smsc
smsc = fake
smsc-id = incoming
allowed-smsc-id = incoming
port = {incoming}
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {boxes}
sendsms-port = {sendsms}
sendsms-interface = 127.0.0.1
mo-recode = true

group = sendsms-user
username = portal
password = {password}
user-allow-ip = 127.0.0.1
concatenation = true
max-messages = 10

group = sms-service
keyword = default
catch-all = true
max-messages = 0
get-url = "{portal}/sms/incoming?secret={secret}&from=%p&text=%a&charset=%C"
"""


@dataclass(frozen=True)
class Received:
    """A message as the phone shows it: from ``sender`` to ``number``."""

    sender: str
    number: str
    text: str


class Kannel:
    """One Kannel: its configuration under ``folder``, its processes, what reached the phones."""

    def __init__(self, folder: Path, portal: str):
        folder.mkdir(parents=True, exist_ok=True)
        self.folder, self.portal = folder, portal
        self.password = "sendsms-password"
        self.processes: dict[str, subprocess.Popen] = {}
        self.config = folder / "kannel.conf"
        self.choose_ports()

    def choose_ports(self) -> None:
        """Free ports for its listeners, and its configuration with them."""
        self.ports = {name: free_port() for name in ("admin", "boxes", "phones", "incoming", "sendsms")}
        self.config.write_text(CONFIG.format(**self.ports, admin_password=self.password, password=self.password,
                                             portal=self.portal, secret=CALLBACK_SECRET, unroutable=UNROUTABLE))

    @property
    def settings(self) -> dict[str, str]:
        """The portal's settings to send through this Kannel and take its callbacks on the live server."""
        return {"SMS_GATEWAY": "kannel", "SMS_SEND_URL": f"http://127.0.0.1:{self.ports['sendsms']}/cgi-bin/sendsms",
                "SMS_USERNAME": "portal", "SMS_PASSWORD": self.password, "SMS_SENDER": SHORT_CODE,
                "SMS_CALLBACK_SECRET": CALLBACK_SECRET, "SMS_SENDING_HOURS": "0-24", "PUBLIC_URL": self.portal}

    def start(self, attempts: int = 3) -> None:
        """About a second: smsbox takes most of it to join bearerbox. A port found free can be taken before Kannel
        binds it (by any program's outgoing connection, from the same range): then it starts again on others."""
        for attempt in range(attempts):
            try:
                return self.start_once()
            except RuntimeError as error:
                if "Address already in use" not in str(error) or attempt == attempts - 1:
                    raise
                for name in ("smsbox", "bearerbox", "phones"):
                    self.end(name)
                for log in self.folder.glob("*.log"):
                    log.unlink()
                self.choose_ports()

    def start_once(self) -> None:
        self.run("bearerbox", BEARERBOX, "-v", "2", str(self.config))
        self.wait_for(lambda: self.listening(self.ports["boxes"]), "bearerbox")
        # "-m 0": it sends none of its own messages (the one it is given is never used), and shows what it receives.
        self.run("phones", FAKESMSC, "-H", "127.0.0.1", "-r", str(self.ports["phones"]), "-m", "0", "x y text x")
        self.start_smsbox()
        self.wait_for(lambda: re.search(r"phones\[phones\]\s+FAKE:\d+ \(online", self.status()), "the phones")

    def start_smsbox(self) -> None:
        self.run("smsbox", SMSBOX, "-v", "2", str(self.config))
        self.wait_for(lambda: self.listening(self.ports["sendsms"]) and "smsbox:" in self.status(), "smsbox")

    def stop_smsbox(self) -> None:
        self.end("smsbox")

    def stop(self) -> None:
        """Once Kannel has passed on what it holds (delivery reports), smsbox, then bearerbox, which lets fakesmsc
        go: each stops within a fraction of a second."""
        if "smsbox" in self.processes:
            try:
                self.wait_for(self.quiet, "an empty queue", seconds=3)
            except RuntimeError:
                pass  # stopped all the same
        for name in ("smsbox", "bearerbox", "phones"):
            self.end(name)

    def quiet(self) -> bool:
        """Whether bearerbox holds no message: none queued for an SMSC or for smsbox, no report awaited."""
        counts = re.findall(r"\((\d+) queued\)|DLR: (\d+) queued|queued (\d+) msgs", self.status())
        return bool(counts) and all(int(number or 0) == 0 for group in counts for number in group)

    def run(self, name: str, *command: str) -> None:
        log = (self.folder / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(command, cwd=self.folder, stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def end(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is None:
            return
        for stop, seconds in ((process.terminate, 1), (process.terminate, 5), (process.kill, 10)):
            stop()  # bearerbox's second signal ends it at once, even with messages for a box that has gone
            try:
                process.wait(timeout=seconds)
                return
            except subprocess.TimeoutExpired:
                continue

    def wait_for(self, ready: Callable[[], object], what: str, seconds: float = 10) -> None:
        deadline = time.monotonic() + seconds
        while not ready():
            dead = [name for name, process in self.processes.items() if process.poll() is not None]
            if dead or time.monotonic() > deadline:
                logs = "\n".join((self.folder / f"{name}.log").read_text(errors="replace")[-2000:]
                                 for name in self.processes)
                raise RuntimeError(f"Kannel: waited for {what} in vain ({', '.join(dead) or 'timed out'}):\n{logs}")
            time.sleep(0.02)

    def listening(self, port: int) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", port)) == 0

    def status(self) -> str:
        """bearerbox's status page (its connections, its queues)."""
        try:
            with urlopen(f"http://127.0.0.1:{self.ports['admin']}/status.txt?password={self.password}",
                         timeout=5) as page:
                return page.read().decode()
        except OSError:
            return ""

    def received(self, count: int = 0, seconds: float = 10, linger: float = 0) -> list[Received]:
        """What reached the phones, once ``count`` messages have (or after ``seconds``), and ``linger`` seconds
        more: a message sent twice would arrive in that time."""
        deadline = time.monotonic() + seconds
        while len(self.messages()) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(linger)
        return self.messages()

    def messages(self) -> list[Received]:
        lines = [match.group(1) for line in (self.folder / "phones.log").read_text(errors="replace").splitlines()
                 if (match := RECEIVED.search(line))]
        return read_messages(lines)

    def send_from(self, number: str, text: str) -> None:
        """A member's phone sends ``text`` to the portal's short code (UCS-2 unless it is ASCII)."""
        if text.isascii():
            line = f"{number} {SHORT_CODE} text {text}"
        else:
            line = f"{number} {SHORT_CODE} ucs2 {quote(text.encode('utf-16-be'))}"
        log = self.folder / "injector.log"
        log.write_bytes(b"")
        self.run("injector", FAKESMSC, "-H", "127.0.0.1", "-r", str(self.ports["incoming"]), "-i", "0", "-m", "1",
                 line)
        try:  # fakesmsc stays connected after its last message: stopped once it has sent it
            self.wait_for(lambda: b"sent message 1" in log.read_bytes(), "the injector")
        finally:
            self.end("injector")


def read_messages(lines: list[str]) -> list[Received]:
    """fakesmsc's lines as messages: "text" as it is, "ucs-2" decoded, the parts of a long message ("udh") joined.
    A text with a line break arrives cut at it (fakesmsc speaks in lines): the rest is joined back."""
    messages: list[Received] = []
    parts: dict[tuple[str, str, int], dict[int, bytes]] = {}
    for line in lines:
        fields = line.split(" ", 5)
        if len(fields) < 3 or fields[2] not in TYPES:
            last = messages.pop()
            messages.append(Received(last.sender, last.number, f"{last.text}\n{line}"))
            continue
        sender, number, kind = fields[:3]
        if kind == "text":
            messages.append(Received(sender, number, line.split(" ", 3)[3] if len(fields) > 3 else ""))
        elif kind == "ucs-2":
            messages.append(Received(sender, number, unplussed(fields[3]).decode("utf-16-be")))
        elif kind == "data":
            messages.append(Received(sender, number, decoded(unplussed(fields[3]))))
        else:  # udh: 05 00 03 <reference> <parts> <this part>, then the part's data
            header = unplussed(fields[3])
            reference, total, index = header[3], header[4], header[5]
            message = parts.setdefault((sender, number, reference), {})
            message[index] = unplussed(fields[5])
            if len(message) == total:
                text = decoded(b"".join(message[i] for i in sorted(message)))
                messages.append(Received(sender, number, text))
                del parts[sender, number, reference]
    return messages


def unplussed(data: str) -> bytes:
    return unquote_to_bytes(data.replace("+", "%20"))


def decoded(data: bytes) -> str:
    """Bytes fakesmsc marks "data", as UTF-8 (a GSM text) or UTF-16BE (a UCS-2 text: the parts of a long one are
    marked "data" too). UTF-16BE shows by bytes that are no UTF-8 or by control characters (every Arabic, Khmer,
    Burmese or Bengali letter has one as its first byte, a Latin letter a NUL)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("utf-16-be")
    if any(ord(c) < 32 and c not in "\n\r" for c in text):
        return data.decode("utf-16-be")
    return text
