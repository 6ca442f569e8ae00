"""The hall's own CA and the broker's server certificate, made with `cryptography`,
for the TLS listener `hallgw mosquitto-config --tls` writes (and the embedded broker).

    tls/ca.pem, ca.der   the hall CA: devices get ca.der (hallctl provision) and check the broker with it
    tls/ca.key           the CA's key (0600): needed only to issue the next server certificate
    tls/server.pem/.key  the broker's certificate for the gateway's addresses and names (key 0600)

Running again keeps the CA (every provisioned device trusts it) and the server
certificate while it still names the same hosts and has more than RENEW_DAYS to
run; otherwise a new server certificate is issued by the same CA, which the
devices accept without being touched. ECDSA P-256: quick for an ESP32's mbedTLS.

What was issued is noted in tls/server.json (hosts, end, digests of ca.pem and
server.pem), so a start that changes nothing reads that note and does not load
`cryptography` (some 10 MB resident: a village's Pi Zero has 512 MB in all).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
from dataclasses import dataclass
from pathlib import Path

from gateway import secretfile

CA_YEARS, SERVER_DAYS, RENEW_DAYS = 20, 825, 60
BACKDATE = dt.timedelta(days=1)  # a device clock a little behind still accepts a new certificate


@dataclass(frozen=True)
class Files:
    ca_pem: Path
    ca_der: Path
    ca_key: Path
    cert: Path
    key: Path
    issued: bool  # a new server certificate was made this time


def _key_pem(key) -> bytes:
    from cryptography.hazmat.primitives import serialization
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _sans(hosts: list[str]) -> list:
    from cryptography import x509
    out: list = []
    for h in dict.fromkeys(hosts):
        try:
            out.append(x509.IPAddress(ipaddress.ip_address(h)))
        except ValueError:
            out.append(x509.DNSName(h))
    return out


def _ca(folder: Path, hall_id: str, now: dt.datetime):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    pem, key_path = folder / "ca.pem", folder / "ca.key"
    if pem.exists() and key_path.exists():
        return (x509.load_pem_x509_certificate(pem.read_bytes()),
                serialization.load_pem_private_key(key_path.read_bytes(), None))
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "hall edge controller"),
                      x509.NameAttribute(NameOID.COMMON_NAME, f"{hall_id} hall CA")])
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - BACKDATE)
            .not_valid_after(now + dt.timedelta(days=365 * CA_YEARS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(ski, critical=False)
            .sign(key, hashes.SHA256()))
    secretfile.write(key_path, _key_pem(key), 0o600)
    secretfile.write(pem, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    return cert, key


def _current(cert_path: Path, key_path: Path, ca, sans, now: dt.datetime) -> bool:
    from cryptography import x509
    if not (cert_path.exists() and key_path.exists()):
        return False
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    try:
        have = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    return (cert.issuer == ca.subject and set(have) == set(sans)
            and cert.not_valid_after_utc - now > dt.timedelta(days=RENEW_DAYS))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files(folder: Path, issued: bool) -> Files:
    return Files(folder / "ca.pem", folder / "ca.der", folder / "ca.key", folder / "server.pem",
                 folder / "server.key", issued)


def _noted(folder: Path, hosts: list[str], now: dt.datetime) -> bool:
    """The note of the last issue still holds: same hosts, same files, far from its end."""
    try:
        note = json.loads((folder / "server.json").read_text())
        end = dt.datetime.fromisoformat(note["not_after"])
        return (sorted(note["hosts"]) == sorted(set(hosts)) and end - now > dt.timedelta(days=RENEW_DAYS)
                and (folder / "ca.der").exists() and (folder / "ca.key").exists()
                and (folder / "server.key").exists()
                and note["ca"] == _digest(folder / "ca.pem") and note["server"] == _digest(folder / "server.pem"))
    except (OSError, ValueError, KeyError, TypeError):
        return False  # no note, or one that does not read: look at the certificates themselves


def ensure(folder: str | Path, hall_id: str, hosts: list[str], now: dt.datetime | None = None) -> Files:
    """The hall CA (kept) and a server certificate naming every host (IP or DNS name)."""
    if not hosts:
        raise ValueError("the broker's certificate needs at least one address or name the devices use")
    folder = Path(folder)
    now = now or dt.datetime.now(dt.UTC)
    if _noted(folder, hosts, now):
        return _files(folder, False)
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder.mkdir(parents=True, exist_ok=True)
    ca, ca_key = _ca(folder, hall_id, now)
    secretfile.write(folder / "ca.der", ca.public_bytes(serialization.Encoding.DER), 0o644)
    cert_path, key_path = folder / "server.pem", folder / "server.key"
    sans = _sans(hosts)
    issued = not _current(cert_path, key_path, ca, sans, now)
    if issued:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
                .issuer_name(ca.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - BACKDATE).not_valid_after(now + dt.timedelta(days=SERVER_DAYS))
                .add_extension(x509.SubjectAlternativeName(sans), critical=False)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                               critical=False)
                .sign(ca_key, hashes.SHA256()))
        secretfile.write(key_path, _key_pem(key), 0o600)
        secretfile.write(cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    end = x509.load_pem_x509_certificate(cert_path.read_bytes()).not_valid_after_utc
    note = {"hosts": sorted(set(hosts)), "not_after": end.isoformat(), "ca": _digest(folder / "ca.pem"),
            "server": _digest(cert_path)}
    secretfile.write(folder / "server.json", json.dumps(note, indent=1).encode(), 0o644)
    return _files(folder, issued)


def ensure_apart(folder: str | Path, hall_id: str, hosts: list[str]) -> Files:
    """ensure() for a long-running gateway: when something must be issued, a short child
    process does it, so `cryptography` never stays in the gateway's memory."""
    folder = Path(folder)
    if hosts and _noted(folder, hosts, dt.datetime.now(dt.UTC)):
        return _files(folder, False)
    import subprocess
    import sys
    r = subprocess.run([sys.executable, "-m", "gateway.broker.certs", str(folder), hall_id, *hosts],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise ValueError(r.stderr.strip().splitlines()[-1] if r.stderr.strip() else "certificates not made")
    return _files(folder, r.stdout.strip() == "issued")


if __name__ == "__main__":
    import sys
    try:
        made = ensure(sys.argv[1], sys.argv[2], sys.argv[3:])
    except ValueError as e:
        sys.exit(f"ValueError: {e}")
    print("issued" if made.issued else "kept")
