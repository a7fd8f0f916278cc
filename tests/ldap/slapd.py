"""A real OpenLDAP server (Debian's /usr/sbin/slapd) for the LDAP tests.

`make system-deps` installs slapd and ldap-utils. `Slapd` writes a slapd.conf, a
self-signed certificate and two mdb databases into a temporary directory, starts slapd
in the foreground on 127.0.0.1 (one free port for ldap://, one for ldaps://), loads the
LDIF of `tests/ldap/directory.py` with ldapadd, and always stops it again: it is a
context manager, and the child gets PR_SET_PDEATHSIG so it dies with pytest even on
SIGKILL.

Two naming contexts, two directory flavours:
- `dc=example,dc=com`: OpenLDAP style, ou=People (inetOrgPerson, login `uid`) and
  ou=Groups (groupOfNames);
- `ou=ad,dc=example,dc=com`: Active Directory shaped, users of class `user` with
  `sAMAccountName`, groups of class groupOfNames + `group`
  (infra/ldap/ad-lite.schema). A separate database (no glue), so neither flavour sees
  the other's entries in a subtree search.
Both run the memberof overlay, so `memberOf` is kept for groupOfNames members.
"""

from __future__ import annotations

import datetime
import ipaddress
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from adapters.nats_server import stop_process

SLAPD = Path("/usr/sbin/slapd")
SLAPTEST = Path("/usr/sbin/slaptest")
LDAPADD = "ldapadd"
SCHEMA_DIR = Path("/etc/ldap/schema")
MODULE_DIR = Path("/usr/lib/ldap")
AD_SCHEMA = Path(__file__).resolve().parents[2] / "infra" / "ldap" / "ad-lite.schema"
READY_TIMEOUT = 15.0


@dataclass(frozen=True)
class Database:
    suffix: str
    root_dn: str
    root_password: str
    ldif: str
    directives: tuple[str, ...] = ()  # more slapd.conf lines for this database


def missing_tools() -> list[str]:
    """What `make system-deps` would install and is not there."""
    missing = [str(p) for p in (SLAPD, SLAPTEST) if not p.exists()]
    if shutil.which(LDAPADD) is None:
        missing.append(LDAPADD)
    return missing


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_self_signed_certificate(cert_path: Path, key_path: Path) -> None:
    """A self-signed certificate for 127.0.0.1/localhost that can also serve as its CA."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Quorum tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.OID_SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def slapd_conf(workdir: Path, cert: Path, key: Path, databases: list[Database]) -> str:
    schemas = [SCHEMA_DIR / f"{n}.schema" for n in ("core", "cosine", "inetorgperson", "nis")]
    lines = [f"include {p}" for p in [*schemas, AD_SCHEMA]]
    lines += [
        f"pidfile {workdir / 'slapd.pid'}",
        f"argsfile {workdir / 'slapd.args'}",
        f"modulepath {MODULE_DIR}",
        "moduleload back_mdb",
        "moduleload memberof",
        f"TLSCertificateFile {cert}",
        f"TLSCertificateKeyFile {key}",
        # Global ACLs, inherited by every database: passwords only for binding (and
        # for their owner), everything else readable by any authenticated DN.
        "access to attrs=userPassword by self write by anonymous auth by * none",
        "access to * by users read by * none",
    ]
    # The more specific suffix first, as slapd wants for nested naming contexts.
    for number, db in enumerate(sorted(databases, key=lambda d: -len(d.suffix))):
        directory = workdir / f"db{number}"
        directory.mkdir()
        lines += [
            "",
            "database mdb",
            f'suffix "{db.suffix}"',
            f'rootdn "{db.root_dn}"',
            f"rootpw {db.root_password}",
            f"directory {directory}",
            "maxsize 16777216",
            "index objectClass eq",
            "overlay memberof",
            "memberof-group-oc groupOfNames",
            "memberof-member-ad member",
            "memberof-memberof-ad memberOf",
            "memberof-refint TRUE",
            *db.directives,
        ]
    return "\n".join(lines) + "\n"


class Slapd:
    """slapd on 127.0.0.1 with the given databases loaded; a context manager."""

    def __init__(self, workdir: Path, databases: list[Database]) -> None:
        self.workdir = Path(workdir)
        self.databases = databases
        self.port = free_port()
        self.tls_port = free_port()
        self.cert_file = self.workdir / "slapd-cert.pem"
        self.key_file = self.workdir / "slapd-key.pem"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    @property
    def tls_url(self) -> str:
        return f"ldaps://127.0.0.1:{self.tls_port}"

    def start(self) -> Slapd:
        missing = missing_tools()
        if missing:
            raise FileNotFoundError(f"{', '.join(missing)} missing: run `make system-deps`")
        self.workdir.mkdir(parents=True, exist_ok=True)
        write_self_signed_certificate(self.cert_file, self.key_file)
        config = self.workdir / "slapd.conf"
        config.write_text(slapd_conf(self.workdir, self.cert_file, self.key_file, self.databases))
        log = open(self.workdir / "slapd.log", "ab")  # noqa: SIM115 - owned by the child
        self.process = subprocess.Popen(
            [
                str(SLAPD),
                "-d",
                "0",  # any -d keeps slapd in the foreground, our child
                "-f",
                str(config),
                "-h",
                f"{self.url}/ {self.tls_url}/",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        log.close()
        try:
            self._wait_until_ready(config)
            for db in self.databases:
                self.load(db)
        except BaseException:
            self.stop()
            raise
        return self

    def load(self, db: Database) -> None:
        ldif = self.workdir / f"{db.suffix.replace(',', '_').replace('=', '-')}.ldif"
        ldif.write_text(db.ldif)
        command = [LDAPADD, "-x", "-H", self.url, "-D", db.root_dn, "-w", db.root_password]
        done = subprocess.run(
            [*command, "-f", str(ldif)], capture_output=True, text=True, timeout=30
        )
        if done.returncode != 0:
            raise RuntimeError(f"ldapadd {ldif} failed ({done.returncode}): {done.stderr}")

    def _wait_until_ready(self, config: Path) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                # slapd -d 0 prints nothing: let slaptest say what is wrong.
                check = subprocess.run(
                    [str(SLAPTEST), "-u", "-f", str(config)], capture_output=True, text=True
                )
                code = None if self.process is None else self.process.returncode
                raise RuntimeError(f"slapd exited with {code}: {check.stderr.strip()}")
            if all(_port_open(p) for p in (self.port, self.tls_port)):
                return
            time.sleep(0.02)
        raise TimeoutError(f"slapd did not listen on {self.url} and {self.tls_url}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            stop_process(process)

    def __enter__(self) -> Slapd:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def _die_with_parent() -> None:
    """Linux: SIGTERM slapd if pytest dies, even by SIGKILL, so none is left running."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
