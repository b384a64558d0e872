"""Sprig's crypto and network functions whose output is random: checked by properties.

Keys are parsed back with ``cryptography`` (type, size, curve, PEM block type), certificates
too (subject, issuer, validity, SANs, CA flag, key usages, key ids, the signature), bcrypt
hashes are verified, AES ciphertexts are decrypted independently, random bytes are decoded.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
import socket
import threading
import time
from typing import Any

import bcrypt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from navarch.engines.gotemplate import TemplateError, render, sprig_net
from navarch.engines.gotemplate.sveltos import FUNCS


def run(text: str, data: Any = None) -> str:
    return render(text, data or {}, funcs=FUNCS)


def _key(pem: str) -> Any:
    return serialization.load_pem_private_key(pem.encode(), password=None)


# -- keys -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key_type", "header"),
    [
        ("ecdsa", "EC PRIVATE KEY"),
        ("ed25519", "PRIVATE KEY"),
        ("rsa", "RSA PRIVATE KEY"),
        ("", "RSA PRIVATE KEY"),
        ("dsa", "DSA PRIVATE KEY"),
    ],
)
def test_gen_private_key_writes_the_block_sprig_writes(key_type: str, header: str) -> None:
    pem = run(f'{{{{ genPrivateKey "{key_type}" }}}}')
    assert pem.startswith(f"-----BEGIN {header}-----\n")
    assert pem.endswith(f"-----END {header}-----\n")
    assert all(len(line) <= 64 for line in pem.splitlines())
    key = _key(pem)
    if header == "EC PRIVATE KEY":
        assert isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1"
    elif header == "PRIVATE KEY":
        assert isinstance(key, ed25519.Ed25519PrivateKey)
    elif header == "RSA PRIVATE KEY":
        assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 4096
        assert key.public_key().public_numbers().e == 65537
    else:
        assert isinstance(key, dsa.DSAPrivateKey) and key.key_size == 2048
        assert key.parameters().parameter_numbers().q.bit_length() == 256


def test_gen_private_key_is_new_each_time() -> None:
    assert run('{{ genPrivateKey "ed25519" }}') != run('{{ genPrivateKey "ed25519" }}')


# -- bcrypt, htpasswd, randBytes, AES ----------------------------------------------------------


def test_bcrypt_hashes_verify_with_cost_10_and_a_fresh_salt() -> None:
    first, second = run('{{ bcrypt "s3cr3t ✓" }}'), run('{{ bcrypt "s3cr3t ✓" }}')
    for hashed in (first, second):
        assert hashed.startswith("$2a$10$") and len(hashed) == 60
        assert bcrypt.checkpw("s3cr3t ✓".encode(), hashed.encode())
        assert not bcrypt.checkpw(b"other", hashed.encode())
    assert first != second


def test_htpasswd_is_the_user_and_a_bcrypt_hash() -> None:
    user, _, hashed = run('{{ htpasswd "admin" "pw" }}').partition(":")
    assert user == "admin" and bcrypt.checkpw(b"pw", hashed.encode())


def test_rand_bytes_are_base64_of_that_many_random_bytes() -> None:
    values = {run("{{ randBytes 32 }}") for _ in range(5)}
    assert len(values) == 5
    assert all(len(base64.b64decode(v, validate=True)) == 32 for v in values)


def _decrypt(password: str, text: str) -> bytes:
    raw = base64.b64decode(text)
    key = password.encode()[:32].ljust(32, b"\0")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(raw[:16])).decryptor()
    padded = decryptor.update(raw[16:]) + decryptor.finalize()
    assert 1 <= padded[-1] <= 16 and padded.endswith(bytes([padded[-1]]) * padded[-1])
    return padded[: -padded[-1]]


@pytest.mark.parametrize("plaintext", ["x", "sixteen bytes!!!", "ünïcödé ✓\n" * 9])
def test_encrypt_aes_is_aes_256_cbc_with_a_random_iv(plaintext: str) -> None:
    data = {"p": plaintext, "k": "pässwörd"}
    first = run("{{ encryptAES .k .p }}", data)
    second = run("{{ encryptAES .k .p }}", data)
    assert first != second  # a new IV each time
    for text in (first, second):
        assert _decrypt("pässwörd", text) == plaintext.encode()
        assert run("{{ decryptAES .k .c }}", {**data, "c": text}) == plaintext


# -- certificates ---------------------------------------------------------------------------------


def _cert(pem: str) -> x509.Certificate:
    assert pem.startswith("-----BEGIN CERTIFICATE-----\n")
    return x509.load_pem_x509_certificate(pem.encode())


def _ext(cert: x509.Certificate, kind: type[x509.ExtensionType]) -> x509.Extension[Any]:
    return cert.extensions.get_extension_for_class(kind)


def _public_bytes(key: Any) -> bytes:
    """The SubjectPublicKeyInfo of a public key, or of a private key's public half."""
    public = key.public_key() if hasattr(key, "public_key") else key
    return bytes(
        public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def _check_validity(cert: x509.Certificate, days: int) -> None:
    now = dt.datetime.now(dt.UTC)
    assert abs((cert.not_valid_before_utc - now).total_seconds()) < 120
    length = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert abs(length.total_seconds() - days * 86400) <= 1


def _check_common(cert: x509.Certificate, key_pem: str, is_ca: bool) -> None:
    key = _key(key_pem)
    assert _public_bytes(cert.public_key()) == _public_bytes(key)
    constraints = _ext(cert, x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca is is_ca
    assert constraints.value.path_length is None
    usage = _ext(cert, x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.key_encipherment
    assert usage.value.key_cert_sign is is_ca
    assert list(_ext(cert, x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.SERVER_AUTH,
        ExtendedKeyUsageOID.CLIENT_AUTH,
    ]
    assert cert.version is x509.Version.v3
    assert 0 <= cert.serial_number < 2**128


def _verify(cert: x509.Certificate, issuer_key: Any) -> None:
    assert cert.signature_hash_algorithm is None or isinstance(
        cert.signature_hash_algorithm, hashes.SHA256
    )
    if isinstance(issuer_key, rsa.RSAPublicKey):
        issuer_key.verify(
            cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), hashes.SHA256()
        )
    elif isinstance(issuer_key, ec.EllipticCurvePublicKey):
        issuer_key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(hashes.SHA256()))
    else:
        issuer_key.verify(cert.signature, cert.tbs_certificate_bytes)


def test_gen_ca_is_a_self_signed_rsa_ca() -> None:
    cert_pem, key_pem = run('{{ $c := genCA "fleet-ca" 365 }}{{ $c.Cert }}|{{ $c.Key }}').split("|")
    cert = _cert(cert_pem)
    assert key_pem.startswith("-----BEGIN RSA PRIVATE KEY-----\n")
    key = _key(key_pem)
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "fleet-ca"
    assert cert.issuer == cert.subject
    _check_common(cert, key_pem, is_ca=True)
    _check_validity(cert, 365)
    spki = x509.SubjectKeyIdentifier.from_public_key(cert.public_key()).digest  # SHA-1
    key_id = _ext(cert, x509.SubjectKeyIdentifier).value.digest
    raw = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.PKCS1
    )
    assert key_id == hashlib.sha256(raw).digest()[:20] != spki  # Go 1.25+: truncated SHA-256
    with pytest.raises(x509.ExtensionNotFound):
        _ext(cert, x509.AuthorityKeyIdentifier)
    with pytest.raises(x509.ExtensionNotFound):
        _ext(cert, x509.SubjectAlternativeName)
    _verify(cert, cert.public_key())


def test_gen_self_signed_cert_has_the_sans_and_is_no_ca() -> None:
    text = (
        '{{ $c := genSelfSignedCert "api.example" (list "10.0.0.1" "::1" "::ffff:1.2.3.4") '
        '(list "api.example" "*.api.example") 30 }}{{ $c.Cert }}|{{ $c.Key }}'
    )
    cert_pem, key_pem = run(text).split("|")
    cert = _cert(cert_pem)
    _check_common(cert, key_pem, is_ca=False)
    _check_validity(cert, 30)
    sans = _ext(cert, x509.SubjectAlternativeName)
    assert not sans.critical
    assert sans.value.get_values_for_type(x509.DNSName) == ["api.example", "*.api.example"]
    assert sans.value.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address("10.0.0.1"),
        ipaddress.ip_address("::1"),
        ipaddress.ip_address("1.2.3.4"),  # an IPv4-mapped address is written in 4 bytes
    ]
    with pytest.raises(x509.ExtensionNotFound):
        _ext(cert, x509.SubjectKeyIdentifier)
    _verify(cert, cert.public_key())


def test_an_empty_subject_makes_the_sans_critical() -> None:
    cert = _cert(run('{{ (genSelfSignedCert "" nil (list "x.example") 1).Cert }}'))
    assert len(cert.subject) == 0
    assert _ext(cert, x509.SubjectAlternativeName).critical


def test_gen_signed_cert_is_signed_by_the_ca_and_names_its_key() -> None:
    text = (
        '{{ $ca := genCA "ca" 10 }}{{ $c := genSignedCert "leaf" (list "192.168.1.1") '
        '(list "leaf.example") 5 $ca }}{{ $ca.Cert }}|{{ $c.Cert }}|{{ $c.Key }}'
    )
    ca_pem, cert_pem, key_pem = run(text).split("|")
    ca, cert = _cert(ca_pem), _cert(cert_pem)
    assert cert.issuer == ca.subject
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "leaf"
    _check_common(cert, key_pem, is_ca=False)
    _check_validity(cert, 5)
    authority = _ext(cert, x509.AuthorityKeyIdentifier).value.key_identifier
    assert authority == _ext(ca, x509.SubjectKeyIdentifier).value.digest
    _verify(cert, ca.public_key())


@pytest.mark.parametrize(
    ("key_type", "algorithm"), [("ecdsa", "1.2.840.10045.4.3.2"), ("ed25519", "1.3.101.112")]
)
def test_the_with_key_functions_use_the_given_key(key_type: str, algorithm: str) -> None:
    key_pem = run(f'{{{{ genPrivateKey "{key_type}" }}}}')
    text = (
        '{{ $ca := genCAWithKey "ca" 3 .k }}{{ $s := genSelfSignedCertWithKey "s" nil nil 3 .k }}'
        '{{ $l := genSignedCertWithKey "l" nil nil 3 $ca .k }}'
        "{{ $ca.Cert }}|{{ $s.Cert }}|{{ $l.Cert }}|{{ $ca.Key }}{{ $s.Key }}{{ $l.Key }}"
    )
    ca_pem, self_pem, leaf_pem, keys = run(text, {"k": key_pem}).split("|")
    assert keys == key_pem * 3
    for pem, is_ca in ((ca_pem, True), (self_pem, False), (leaf_pem, False)):
        cert = _cert(pem)
        _check_common(cert, key_pem, is_ca)
        assert cert.signature_algorithm_oid.dotted_string == algorithm
        _verify(cert, _key(key_pem).public_key())


def test_a_custom_certificate_signs_like_a_generated_ca() -> None:
    ca = run('{{ $c := genCA "custom" 3 }}{{ b64enc $c.Cert }} {{ b64enc $c.Key }}').split()
    leaf = run(
        '{{ (genSignedCert "leaf" nil nil 3 (buildCustomCert .c .k)).Cert }}',
        {"c": ca[0], "k": ca[1]},
    )
    _verify(_cert(leaf), _cert(base64.b64decode(ca[0]).decode()).public_key())


# -- getHostByName ----------------------------------------------------------------------------


def test_get_host_by_name_resolves_localhost() -> None:
    assert run('{{ getHostByName "localhost" }}') in {"127.0.0.1", "::1"}


def test_get_host_by_name_fails_without_an_address() -> None:
    with pytest.raises(TemplateError, match="invalid argument to Intn"):
        run('{{ getHostByName "no-such-host.invalid" }}')


def test_a_slow_lookup_is_bounded_and_not_repeated(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    release = threading.Event()

    def slow(name: str, *args: Any, **kwargs: Any) -> list[Any]:
        calls.append(name)
        release.wait(5)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.9.8.7", 0))]

    monkeypatch.setattr(socket, "getaddrinfo", slow)
    started = time.monotonic()
    assert sprig_net.lookup_host("slow.test", timeout=0.2) == []
    assert sprig_net.lookup_host("slow.test", timeout=0.2) == []
    assert time.monotonic() - started < 2
    assert calls == ["slow.test"]  # the second caller waited on the same lookup
    release.set()
    deadline = time.monotonic() + 5
    while sprig_net.lookup_host("slow.test", timeout=0.5) != ["10.9.8.7"]:
        assert time.monotonic() < deadline
    assert calls == ["slow.test"]  # and the answer is cached
