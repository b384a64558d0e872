"""Certificates and keys for one local cluster: its own CA, serving cert, admin cert, SA key.

Each cluster gets its own CA, as real clusters do: a kubeconfig of cluster-1 is then rejected
by cluster-2, so a test that registers the wrong kubeconfig for a cluster fails instead of
passing by accident. Keys are ECDSA P-256 (fast to generate, accepted by kube-apiserver for
serving, client auth and service-account signing).

- ``ca.crt/ca.key``: the cluster CA (client CA and serving CA, and kcm's root CA file);
- ``apiserver.crt/key``: serving cert with the SANs kubeadm and kwok use (localhost, 127.0.0.1,
  ::1, kubernetes.default.svc...);
- ``admin.crt/key``: client cert ``CN=navarch-admin, O=system:masters`` (cluster-admin through
  the bootstrap binding);
- ``sa.key/sa.pub``: service-account token signing pair, so TokenRequest and token Secrets work.

Files are written 0600 in a 0700 directory. Generation is idempotent: existing files are kept,
so a restarted cluster keeps its identity and old kubeconfigs stay valid.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_VALIDITY = datetime.timedelta(days=3650)
_SANS_DNS = (
    "localhost",
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
)
_SANS_IP = ("127.0.0.1", "::1", "10.0.0.1")


@dataclass(frozen=True)
class ClusterPKI:
    dir: Path

    @property
    def ca_cert(self) -> Path:
        return self.dir / "ca.crt"

    @property
    def ca_key(self) -> Path:
        return self.dir / "ca.key"

    @property
    def serving_cert(self) -> Path:
        return self.dir / "apiserver.crt"

    @property
    def serving_key(self) -> Path:
        return self.dir / "apiserver.key"

    @property
    def admin_cert(self) -> Path:
        return self.dir / "admin.crt"

    @property
    def admin_key(self) -> Path:
        return self.dir / "admin.key"

    @property
    def sa_key(self) -> Path:
        return self.dir / "sa.key"

    @property
    def sa_pub(self) -> Path:
        return self.dir / "sa.pub"


def ensure_pki(directory: Path, cluster: str) -> ClusterPKI:
    """Create whatever of the cluster's PKI is missing under ``directory``."""
    pki = ClusterPKI(directory)
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    if not (pki.ca_cert.exists() and pki.ca_key.exists()):
        ca_key = _new_key()
        ca_cert = _certificate(
            subject=_name(f"navarch-{cluster}-ca"),
            issuer_key=ca_key,
            issuer=None,
            public_key=ca_key.public_key(),
            ca=True,
        )
        _write_key(pki.ca_key, ca_key)
        _write(pki.ca_cert, ca_cert.public_bytes(serialization.Encoding.PEM))
    ca_key_loaded = serialization.load_pem_private_key(pki.ca_key.read_bytes(), password=None)
    assert isinstance(ca_key_loaded, ec.EllipticCurvePrivateKey)
    ca_cert_loaded = x509.load_pem_x509_certificate(pki.ca_cert.read_bytes())
    leaves = (
        (
            pki.serving_cert,
            pki.serving_key,
            _name("kube-apiserver"),
            ExtendedKeyUsageOID.SERVER_AUTH,
        ),
        (
            pki.admin_cert,
            pki.admin_key,
            _name("navarch-admin", "system:masters"),
            ExtendedKeyUsageOID.CLIENT_AUTH,
        ),
    )
    for cert_path, key_path, subject, usage in leaves:
        if cert_path.exists() and key_path.exists():
            continue
        key = _new_key()
        cert = _certificate(
            subject=subject,
            issuer_key=ca_key_loaded,
            issuer=ca_cert_loaded,
            public_key=key.public_key(),
            ca=False,
            usage=usage,
        )
        _write_key(key_path, key)
        _write(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    if not (pki.sa_key.exists() and pki.sa_pub.exists()):
        sa = _new_key()
        _write_key(pki.sa_key, sa)
        _write(
            pki.sa_pub,
            sa.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
        )
    return pki


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _name(common_name: str, organization: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    return x509.Name(attrs)


def _certificate(
    *,
    subject: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    issuer: x509.Certificate | None,
    public_key: ec.EllipticCurvePublicKey,
    ca: bool,
    usage: x509.ObjectIdentifier | None = None,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject if issuer else subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + _VALIDITY)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    else:
        assert usage is not None
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_encipherment=True,
                key_cert_sign=False,
                crl_sign=False,
                content_commitment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        ).add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        if issuer is not None:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                critical=False,
            )
        if usage == ExtendedKeyUsageOID.SERVER_AUTH:
            sans: list[x509.GeneralName] = [x509.DNSName(n) for n in _SANS_DNS]
            sans += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in _SANS_IP]
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    _write(
        path,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, path)
