"""The hall's own CA and the broker's server certificate, made with `cryptography`,
for the TLS listener `hallgw mosquitto-config --tls` writes (and the embedded broker).

    tls/ca.pem, ca.der   the hall CA: devices get ca.der (hallctl provision) and check the broker with it
    tls/ca.key           the CA's key (0600): needed only to issue the next server certificate
    tls/server.pem/.key  the broker's certificate for the gateway's addresses and names (key 0600)

Running again keeps the CA (every provisioned device trusts it) and the server
certificate while it still names the same hosts and has more than RENEW_DAYS to
run; otherwise a new server certificate is issued by the same CA, which the
devices accept without being touched. ECDSA P-256: quick for an ESP32's mbedTLS.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

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
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _sans(hosts: list[str]) -> list[x509.GeneralName]:
    out: list[x509.GeneralName] = []
    for h in dict.fromkeys(hosts):
        try:
            out.append(x509.IPAddress(ipaddress.ip_address(h)))
        except ValueError:
            out.append(x509.DNSName(h))
    return out


def _ca(folder: Path, hall_id: str, now: dt.datetime):
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
    if not (cert_path.exists() and key_path.exists()):
        return False
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    try:
        have = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    return (cert.issuer == ca.subject and set(have) == set(sans)
            and cert.not_valid_after_utc - now > dt.timedelta(days=RENEW_DAYS))


def ensure(folder: str | Path, hall_id: str, hosts: list[str], now: dt.datetime | None = None) -> Files:
    """The hall CA (kept) and a server certificate naming every host (IP or DNS name)."""
    if not hosts:
        raise ValueError("the broker's certificate needs at least one address or name the devices use")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    now = now or dt.datetime.now(dt.UTC)
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
    return Files(folder / "ca.pem", folder / "ca.der", folder / "ca.key", cert_path, key_path, issued)
