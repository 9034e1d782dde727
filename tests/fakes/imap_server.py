"""A real IMAP server for tests: Debian's Dovecot, run as a private instance on loopback.

    with DovecotServer() as imap:
        user, password = imap.add_user()
        imap.append(user, b"Subject: Hi\\r\\n\\r\\nHello\\r\\n")
        ...  # poll 127.0.0.1:imap.port (plain or STARTTLS) or imap.tls_port (implicit TLS)

Everything lives in one temporary directory: the config, a passwd-file of test users, the
Maildirs, a self-signed certificate for 127.0.0.1 (`cert_path`, to trust in TLS tests), the
sockets and the log. The instance listens on two free unprivileged ports, never touches the
system's Dovecot, and is stopped (and its directory removed) on exit. Install Dovecot with
`apt-get install dovecot-imapd`.

A failed login makes Dovecot delay every later login from the same address for up to 15 s (its
brute-force penalty, which this Dovecot applies even to loopback): a test that fails a login on
purpose should run its own short-lived server.
"""

from __future__ import annotations

import grp
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from imap_tools import MailBoxUnencrypted

START_TIMEOUT_S = 15
USERS_PER_BATCH = 100


def dovecot_binary() -> str | None:
    """The dovecot executable (often in /usr/sbin, outside a normal user's PATH), or None."""
    found = shutil.which("dovecot")
    if found:
        return found
    return "/usr/sbin/dovecot" if os.access("/usr/sbin/dovecot", os.X_OK) else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DovecotServer:
    def __init__(self) -> None:
        binary = dovecot_binary()
        if binary is None:
            raise RuntimeError("Dovecot is not installed (apt-get install dovecot-imapd).")
        self.binary = binary
        self.dir = Path(tempfile.mkdtemp(prefix="cxhub-dovecot-"))
        self.port = _free_port()
        self.tls_port = _free_port()
        self.host = "127.0.0.1"
        self.cert_path = self.dir / "cert.pem"
        self._process: subprocess.Popen | None = None
        self._users = 0
        self._pool: list[tuple[str, str]] = []

    # --- lifecycle --------------------------------------------------------------------

    def start(self) -> DovecotServer:
        mail_uid, mail_gid, identity_settings = self._identities()
        self._mail_ids = (mail_uid, mail_gid)
        mail_dir = self.dir / "mail"
        mail_dir.mkdir()
        if os.geteuid() == 0:
            # Dovecot refuses to read mail as root: the Maildirs belong to its own user, who
            # must be able to walk into this (otherwise private) directory.
            os.chown(mail_dir, mail_uid, mail_gid)
            self.dir.chmod(0o711)
        (self.dir / "passwd").write_text("")
        (self.dir / "passwd").chmod(0o644)
        # Users are made up front: Dovecot would only see a user added later after a second.
        self._add_users(USERS_PER_BATCH)
        self._make_certificate()
        (self.dir / "dovecot.conf").write_text(self._config(identity_settings))
        self._log = (self.dir / "stdout.log").open("w")
        self._process = subprocess.Popen(
            [self.binary, "-F", "-c", str(self.dir / "dovecot.conf")],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_ready()
        return self

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=5)
        if getattr(self, "_log", None):
            self._log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> DovecotServer:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()

    def log(self) -> str:
        parts = []
        for name in ("stdout.log", "dovecot.log"):
            path = self.dir / name
            if path.exists():
                parts.append(path.read_text(errors="replace"))
        return "\n".join(parts)

    # --- test helpers -----------------------------------------------------------------

    def add_user(self) -> tuple[str, str]:
        """A fresh mail user with an empty Maildir: (name, password)."""
        if not self._pool:
            self._add_users(USERS_PER_BATCH)
            # Dovecot re-reads a changed passwd-file at most once a second.
            time.sleep(1.1)
        return self._pool.pop(0)

    def connect(self, user: str, password: str) -> MailBoxUnencrypted:
        """A logged-in imap-tools mailbox, to create folders and append messages."""
        return MailBoxUnencrypted(self.host, self.port, timeout=10).login(
            user, password, initial_folder=None
        )

    def append(self, user: str, password: str, message: bytes, folder: str = "INBOX") -> None:
        with self.connect(user, password) as mailbox:
            mailbox.append(message, folder)

    # --- internals --------------------------------------------------------------------

    def _identities(self) -> tuple[int, int, str]:
        """(mail uid, mail gid, the settings saying which users Dovecot's processes run as)."""
        if os.geteuid() != 0:
            # Unprivileged: every Dovecot process runs as us, and its sockets belong to our group.
            me, group = pwd.getpwuid(os.geteuid()).pw_name, grp.getgrgid(os.getegid()).gr_name
            return (
                os.geteuid(),
                os.getegid(),
                f"default_internal_user = {me}\ndefault_internal_group = {group}\n"
                f"default_login_user = {me}\n",
            )
        # Root (CI containers): Dovecot drops privileges to the users its package created.
        try:
            mail_user = pwd.getpwnam("dovecot")
            login_user = pwd.getpwnam("dovenull")
        except KeyError:
            raise RuntimeError("The dovecot and dovenull users are missing.") from None
        return (
            mail_user.pw_uid,
            mail_user.pw_gid,
            f"default_internal_user = {mail_user.pw_name}\n"
            f"default_login_user = {login_user.pw_name}\n",
        )

    def _add_users(self, count: int) -> None:
        uid, gid = self._mail_ids
        with (self.dir / "passwd").open("a") as passwd:
            for _ in range(count):
                self._users += 1
                name, password = f"user{self._users}", secrets.token_urlsafe(12)
                home = self.dir / "mail" / name
                passwd.write(f"{name}:{{PLAIN}}{password}:{uid}:{gid}::{home}::\n")
                self._pool.append((name, password))

    def _make_certificate(self) -> None:
        subprocess.run(
            [
                "openssl", "req", "-x509", "-nodes", "-days", "2",
                "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-subj", "/CN=localhost",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout", str(self.dir / "key.pem"), "-out", str(self.cert_path),
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
        (self.dir / "key.pem").chmod(0o600)

    def _config(self, identity_settings: str) -> str:
        d = self.dir
        return f"""\
protocols = imap
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
instance_name = cxhub-test-{self.port}
log_path = {d}/dovecot.log
{identity_settings}first_valid_uid = 1
ssl = yes
ssl_cert = <{self.cert_path}
ssl_key = <{d}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:{d}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {d}/passwd
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
"""

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"Dovecot exited at start-up:\n{self.log()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"Dovecot did not answer within {START_TIMEOUT_S}s:\n{self.log()}")
