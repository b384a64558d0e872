"""Each local cluster gets its own CA; certificates chain to it and carry the right names."""

from __future__ import annotations

import ipaddress
import stat
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from navarch.fleet.pki import ensure_pki


def load(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_serving_and_admin_certificates_chain_to_the_cluster_ca(tmp_path: Path) -> None:
    pki = ensure_pki(tmp_path / "pki", "cluster-1")
    ca = load(pki.ca_cert)
    for leaf_path in (pki.serving_cert, pki.admin_cert):
        leaf = load(leaf_path)
        leaf.verify_directly_issued_by(ca)
    serving = load(pki.serving_cert)
    sans = serving.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in sans.get_values_for_type(x509.DNSName)
    assert ipaddress.ip_address("127.0.0.1") in sans.get_values_for_type(x509.IPAddress)
    usage = serving.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.SERVER_AUTH in usage
    admin = load(pki.admin_cert)
    orgs = [a.value for a in admin.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]
    assert orgs == ["system:masters"], "the admin must be cluster-admin via system:masters"


def test_keys_are_private_and_generation_is_idempotent(tmp_path: Path) -> None:
    pki = ensure_pki(tmp_path / "pki", "c")
    before = {p.name: p.read_bytes() for p in pki.dir.iterdir()}
    for key in (pki.ca_key, pki.admin_key, pki.serving_key, pki.sa_key):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(pki.dir.stat().st_mode) == 0o700
    ensure_pki(tmp_path / "pki", "c")
    assert {p.name: p.read_bytes() for p in pki.dir.iterdir()} == before


def test_two_clusters_have_different_cas(tmp_path: Path) -> None:
    one = load(ensure_pki(tmp_path / "a", "a").ca_cert)
    two = load(ensure_pki(tmp_path / "b", "b").ca_cert)
    assert one.public_key() != two.public_key()
