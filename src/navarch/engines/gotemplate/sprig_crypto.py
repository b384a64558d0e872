"""Sprig v3.3's crypto functions: keys, certificates, bcrypt, derivePassword, AES, randBytes.

What Go's code does, value for value:

- ``genPrivateKey`` writes the PEM block Sprig writes per key type ("RSA PRIVATE KEY" PKCS#1
  for rsa (4096 bits, also for ""), "DSA PRIVATE KEY" for dsa (L2048N256), "EC PRIVATE KEY"
  SEC 1 for ecdsa (P-256), "PRIVATE KEY" PKCS#8 for ed25519); an unknown type gives the text
  ``Unknown type X``.
- The certificate functions return Sprig's ``certificate`` struct (``.Cert``, ``.Key``: PEM
  text). Certificates are built as crypto/x509's CreateCertificate builds Sprig's template:
  random 128-bit serial, subject CN only, valid from now for ``days`` days, key usage
  digitalSignature+keyEncipherment (+certSign for a CA, which also gets a subject key id:
  the first 160 bits of the SHA-256 of the public key, Go's default since 1.25), server and
  client auth, basic constraints; the SAN extension (DNS names, then IPs) is critical when the
  subject is empty; a certificate signed by a CA with another subject names the CA's key id.
  Keys given as PEM are read as Sprig reads them (PKCS#8, or PKCS#1/SEC 1/DSA by block type);
  a DSA or X25519 key cannot sign (Go's "does not implement crypto.Signer"). Errors carry
  Sprig's wording.
- ``encryptAES``/``decryptAES``: AES-256-CBC, the key is the password's bytes cut or
  zero-padded to 32, PKCS#7 padding, a random IV before the ciphertext, base64. decryptAES
  does not check the padding (as Sprig: a wrong key gives garbage or a Go runtime panic, which
  the template reports as an error).
- ``derivePassword``: the Master Password algorithm (scrypt N=32768 r=8 p=2 over the user,
  HMAC-SHA256 over the site and counter, then the template characters).
- ``bcrypt`` (cost 10, "$2a$") and ``htpasswd`` (``user:bcrypt``; Sprig 3.3 has no other hash).
- ``randBytes``: base64 of ``count`` random bytes.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import ipaddress
import os
import secrets
import struct
from dataclasses import dataclass
from typing import Any, ClassVar

import bcrypt as bcrypt_lib
from cryptography import x509 as cx509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, padding, rsa, x25519
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from navarch.engines.gotemplate import goasn1 as der
from navarch.engines.gotemplate.funcs import FuncError, GoFunc
from navarch.engines.gotemplate.gostruct import GoStruct
from navarch.engines.gotemplate.values import sprint_value

FUNCS: dict[str, GoFunc] = {}


def _register(name: str, fn: Any, *params: str) -> None:
    FUNCS[name] = GoFunc(name, fn, tuple(params))


@dataclass(frozen=True)
class Certificate(GoStruct):
    """Sprig's ``certificate`` struct."""

    GO_TYPE: ClassVar[str] = "sprig.certificate"
    cert: str = ""
    key: str = ""

    def go_fields(self) -> tuple[tuple[str, Any], ...]:
        return (("Cert", self.cert), ("Key", self.key))


# -- hashes -----------------------------------------------------------------------------------


def _bcrypt(password: str) -> str:
    data = password.encode()
    if len(data) > 72:
        return "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes"
    return bcrypt_lib.hashpw(data, bcrypt_lib.gensalt(rounds=10, prefix=b"2a")).decode()


def _htpasswd(username: str, password: str) -> str:
    if ":" in username:
        return f"invalid username: {username}"
    return f"{username}:{_bcrypt(password)}"


def _rand_bytes(count: int) -> str:
    if count < 0:
        raise FuncError("runtime error: makeslice: len out of range")
    return base64.b64encode(os.urandom(count)).decode()


# -- derivePassword (Master Password) -----------------------------------------------------------

_MASTER_PASSWORD_SEED = b"com.lyndir.masterpassword"

_PASSWORD_TEMPLATES: dict[str, tuple[str, ...]] = {
    "maximum": ("anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"),
    "long": tuple(
        "".join(parts)
        for parts in (
            ("Cvcv", "no", "Cvcv", "Cvcv"),
            ("Cvcv", "Cvcv", "no", "Cvcv"),
            ("Cvcv", "Cvcv", "Cvcv", "no"),
            ("Cvcc", "no", "Cvcv", "Cvcv"),
            ("Cvcc", "Cvcv", "no", "Cvcv"),
            ("Cvcc", "Cvcv", "Cvcv", "no"),
            ("Cvcv", "no", "Cvcc", "Cvcv"),
            ("Cvcv", "Cvcc", "no", "Cvcv"),
            ("Cvcv", "Cvcc", "Cvcv", "no"),
            ("Cvcv", "no", "Cvcv", "Cvcc"),
            ("Cvcv", "Cvcv", "no", "Cvcc"),
            ("Cvcv", "Cvcv", "Cvcc", "no"),
            ("Cvcc", "no", "Cvcc", "Cvcv"),
            ("Cvcc", "Cvcc", "no", "Cvcv"),
            ("Cvcc", "Cvcc", "Cvcv", "no"),
            ("Cvcv", "no", "Cvcc", "Cvcc"),
            ("Cvcv", "Cvcc", "no", "Cvcc"),
            ("Cvcv", "Cvcc", "Cvcc", "no"),
            ("Cvcc", "no", "Cvcv", "Cvcc"),
            ("Cvcc", "Cvcv", "no", "Cvcc"),
            ("Cvcc", "Cvcv", "Cvcc", "no"),
        )
    ),
    "medium": ("CvcnoCvc", "CvcCvcno"),
    "short": ("Cvcn",),
    "basic": ("aaanaaan", "aannaaan", "aaannaaa"),
    "pin": ("nnnn",),
}

_VOWELS, _CONSONANTS = "aeiou", "bcdfghjklmnpqrstvwxyz"
_TEMPLATE_CHARACTERS: dict[str, str] = {
    "V": _VOWELS.upper(),
    "C": _CONSONANTS.upper(),
    "v": _VOWELS,
    "c": _CONSONANTS,
    "A": _VOWELS.upper() + _CONSONANTS.upper(),
    "a": _VOWELS.upper() + _VOWELS + _CONSONANTS.upper() + _CONSONANTS,
    "n": "0123456789",
    "o": "@&%?,=[]_:-+*$#!'^~;()/.",
    "x": _VOWELS.upper() + _VOWELS + _CONSONANTS.upper() + _CONSONANTS + "0123456789!@#$%^&*()",
}


def _derive_password(counter: int, password_type: str, password: str, user: str, site: str) -> str:
    templates = _PASSWORD_TEMPLATES.get(password_type)
    if templates is None:
        return f"cannot find password template {password_type}"
    user_bytes, site_bytes = user.encode(), site.encode()
    salt = _MASTER_PASSWORD_SEED + struct.pack(">I", len(user_bytes)) + user_bytes
    key = hashlib.scrypt(
        password.encode(), salt=salt, n=32768, r=8, p=2, maxmem=64 * 1024 * 1024, dklen=64
    )
    message = (
        _MASTER_PASSWORD_SEED
        + struct.pack(">I", len(site_bytes))
        + site_bytes
        + struct.pack(">I", counter & 0xFFFFFFFF)
    )
    seed = hmac.new(key, message, hashlib.sha256).digest()
    template = templates[seed[0] % len(templates)]
    return "".join(
        _TEMPLATE_CHARACTERS[ch][seed[i + 1] % len(_TEMPLATE_CHARACTERS[ch])]
        for i, ch in enumerate(template)
    )


# -- AES ----------------------------------------------------------------------------------------


def _aes_key(password: str) -> bytes:
    return password.encode()[:32].ljust(32, b"\0")


def _encrypt_aes(password: str, plaintext: str) -> str:
    if plaintext == "":
        return ""
    content = plaintext.encode()
    pad = 16 - len(content) % 16
    content += bytes([pad]) * pad
    iv = os.urandom(16)
    encryptor = Cipher(algorithms.AES(_aes_key(password)), modes.CBC(iv)).encryptor()
    return base64.b64encode(iv + encryptor.update(content) + encryptor.finalize()).decode()


def _decrypt_aes(password: str, crypt64: str) -> str:
    if crypt64 == "":
        return ""
    try:
        crypt = der.b64decode_std(crypt64)
    except ValueError as exc:
        raise FuncError(str(exc)) from None
    if len(crypt) < 16:
        raise FuncError(
            f"runtime error: slice bounds out of range [:16] with capacity {len(crypt)}"
        )
    iv, body = crypt[:16], crypt[16:]
    if len(body) % 16:
        raise FuncError("crypto/cipher: input not full blocks")
    if not body:
        raise FuncError("runtime error: index out of range [-1]")
    decryptor = Cipher(algorithms.AES(_aes_key(password)), modes.CBC(iv)).decryptor()
    decrypted = decryptor.update(body) + decryptor.finalize()
    end = len(decrypted) - decrypted[-1]
    if end < 0:
        raise FuncError(f"runtime error: slice bounds out of range [:{end}]")
    return decrypted[:end].decode(errors="replace")


# -- private keys -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _DSAKey:
    """A DSA key as Sprig reads one: six integers, never checked (Go's dsa keys cannot sign
    certificates, so nothing more is needed)."""

    version: int
    p: int
    q: int
    g: int
    y: int
    x: int


PrivateKey = (
    rsa.RSAPrivateKey
    | ec.EllipticCurvePrivateKey
    | ed25519.Ed25519PrivateKey
    | x25519.X25519PrivateKey
    | _DSAKey
)

_CURVE_OIDS: dict[str, str] = {
    "secp224r1": "1.3.132.0.33",
    "secp256r1": "1.2.840.10045.3.1.7",
    "secp384r1": "1.3.132.0.34",
    "secp521r1": "1.3.132.0.35",
}
_OID_RSA = "1.2.840.113549.1.1.1"
_OID_EC = "1.2.840.10045.2.1"
_OID_ED25519 = "1.3.101.112"
_OID_X25519 = "1.3.101.110"


def _generate_private_key(key_type: str) -> str:
    key: PrivateKey
    if key_type in ("", "rsa"):
        key = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    elif key_type == "dsa":
        numbers = dsa.generate_private_key(key_size=2048).private_numbers()
        params = numbers.public_numbers.parameter_numbers
        key = _DSAKey(0, params.p, params.q, params.g, numbers.public_numbers.y, numbers.x)
    elif key_type == "ecdsa":
        key = ec.generate_private_key(ec.SECP256R1())
    elif key_type == "ed25519":
        key = ed25519.Ed25519PrivateKey.generate()
    else:
        return "Unknown type " + key_type
    return _pem_for_key(key)


def _pem_for_key(key: PrivateKey) -> str:
    """Sprig's pemBlockForKey, encoded."""
    if isinstance(key, rsa.RSAPrivateKey):
        body = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
        return der.pem_encode("RSA PRIVATE KEY", body)
    if isinstance(key, _DSAKey):
        body = der.seq(*(der.integer(v) for v in (0, key.p, key.q, key.g, key.y, key.x)))
        return der.pem_encode("DSA PRIVATE KEY", body)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return der.pem_encode("EC PRIVATE KEY", _sec1(key))
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    algorithm = _OID_ED25519 if isinstance(key, ed25519.Ed25519PrivateKey) else _OID_X25519
    body = der.seq(der.integer(0), der.seq(der.oid(algorithm)), der.octets(der.octets(raw)))
    return der.pem_encode("PRIVATE KEY", body)


def _sec1(key: ec.EllipticCurvePrivateKey) -> bytes:
    """x509.MarshalECPrivateKey: version 1, the padded scalar, the curve, the public point."""
    size = (key.curve.key_size + 7) // 8
    scalar = key.private_numbers().private_value.to_bytes(size, "big")
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return der.seq(
        der.integer(1),
        der.octets(scalar),
        der.explicit(0, der.oid(_CURVE_OIDS[key.curve.name])),
        der.explicit(1, der.bits(point)),
    )


class _PrivateKeyError(Exception):
    pass


def _parse_private_key_pem(text: str) -> PrivateKey:
    """Sprig's parsePrivateKeyPEM; _PrivateKeyError with its message."""
    block = der.pem_decode(text.encode())
    if block is None:
        raise _PrivateKeyError("no PEM data in input")
    if block.type == "PRIVATE KEY":
        try:
            return _parse_pkcs8(block.data)
        except _PrivateKeyError as exc:
            raise _PrivateKeyError(f"decoding PEM as PKCS#8: {exc}") from None
    if not block.type.endswith(" PRIVATE KEY"):
        raise _PrivateKeyError(f"no private key data in PEM block of type {block.type}")
    kind = block.type[: -len(" PRIVATE KEY")]
    if kind == "RSA":
        try:
            return _parse_pkcs1(block.data)
        except _PrivateKeyError as exc:
            raise _PrivateKeyError(f"parsing RSA private key from PEM: {exc}") from None
    if kind == "EC":
        try:
            return _parse_sec1(block.data)
        except _PrivateKeyError as exc:
            raise _PrivateKeyError(f"parsing EC private key from PEM: {exc}") from None
    if kind == "DSA":
        try:
            top = der.read(block.data)
            if top.tag != 0x30:
                raise der.DERError("asn1: structure error: tags don't match")
            fields = der.children(top.content)
            if len(fields) < 6:
                raise der.DERError("asn1: syntax error: sequence truncated")
            values = [der.as_int(e) for e in fields[:6]]
        except der.DERError as exc:
            raise _PrivateKeyError(f"parsing DSA private key from PEM: {exc}") from None
        return _DSAKey(*values)
    raise _PrivateKeyError(f"invalid private key type {block.type}")


def _sequence_shape(data: bytes) -> list[int]:
    """The tags of a DER SEQUENCE's elements ([] when ``data`` is not one)."""
    try:
        top = der.read(data)
        if top.tag != 0x30:
            return []
        return [e.tag for e in der.children(top.content)]
    except der.DERError:
        return []


def _load(data: bytes) -> Any:
    try:
        return serialization.load_der_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise _PrivateKeyError(f"x509: {exc}") from None


def _parse_pkcs1(data: bytes) -> rsa.RSAPrivateKey:
    shape = _sequence_shape(data)
    if shape[:2] != [0x02, 0x02]:
        if shape[:2] == [0x02, 0x04]:
            raise _PrivateKeyError(
                "x509: failed to parse private key (use ParseECPrivateKey instead for this "
                "key format)"
            )
        if shape[:2] == [0x02, 0x30]:
            raise _PrivateKeyError(
                "x509: failed to parse private key (use ParsePKCS8PrivateKey instead for this "
                "key format)"
            )
        raise _PrivateKeyError("asn1: structure error: tags don't match")
    key = _load(data)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise _PrivateKeyError("asn1: structure error: tags don't match")
    return key


def _parse_sec1(data: bytes) -> ec.EllipticCurvePrivateKey:
    shape = _sequence_shape(data)
    if shape[:2] != [0x02, 0x04]:
        if shape[:2] == [0x02, 0x30]:
            raise _PrivateKeyError(
                "x509: failed to parse private key (use ParsePKCS8PrivateKey instead for this "
                "key format)"
            )
        if shape[:2] == [0x02, 0x02]:
            raise _PrivateKeyError(
                "x509: failed to parse private key (use ParsePKCS1PrivateKey instead for this "
                "key format)"
            )
        raise _PrivateKeyError("x509: failed to parse EC private key: asn1: structure error")
    key = _load(data)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name not in _CURVE_OIDS:
        raise _PrivateKeyError("x509: unknown elliptic curve")
    return key


def _parse_pkcs8(data: bytes) -> PrivateKey:
    shape = _sequence_shape(data)
    if shape[:3] != [0x02, 0x30, 0x04]:
        if shape[:2] == [0x02, 0x04]:
            raise _PrivateKeyError(
                "x509: failed to parse private key (use ParseECPrivateKey instead for this "
                "key format)"
            )
        if shape[:2] == [0x02, 0x02]:
            raise _PrivateKeyError(
                "x509: failed to parse private key (use ParsePKCS1PrivateKey instead for this "
                "key format)"
            )
        raise _PrivateKeyError("asn1: structure error: tags don't match")
    algorithm = der.children(der.children(der.read(data).content)[1].content)
    algorithm_oid = _oid_text(algorithm[0].content) if algorithm else ""
    key = _load(data)
    if algorithm_oid == _OID_RSA and isinstance(key, rsa.RSAPrivateKey):
        return key
    if algorithm_oid == _OID_EC and isinstance(key, ec.EllipticCurvePrivateKey):
        if key.curve.name not in _CURVE_OIDS:
            raise _PrivateKeyError(
                "x509: failed to parse EC private key embedded in PKCS#8: "
                "x509: unknown elliptic curve"
            )
        return key
    if isinstance(key, ed25519.Ed25519PrivateKey | x25519.X25519PrivateKey):
        return key
    raise _PrivateKeyError(
        "x509: PKCS#8 wrapping contained private key with unknown algorithm: " + algorithm_oid
    )


def _oid_text(content: bytes) -> str:
    parts: list[int] = []
    value = 0
    for byte in content:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    if not parts:
        return ""
    first = min(parts[0] // 40, 2)
    return ".".join(str(p) for p in [first, parts[0] - 40 * first, *parts[1:]])


# -- certificates -------------------------------------------------------------------------------

_SIGNATURE_ALGORITHMS: dict[str, str] = {  # curve -> ECDSA signature algorithm
    "secp224r1": "1.2.840.10045.4.3.2",
    "secp256r1": "1.2.840.10045.4.3.2",
    "secp384r1": "1.2.840.10045.4.3.3",
    "secp521r1": "1.2.840.10045.4.3.4",
}
_EC_HASHES: dict[str, hashes.HashAlgorithm] = {
    "secp224r1": hashes.SHA256(),
    "secp256r1": hashes.SHA256(),
    "secp384r1": hashes.SHA384(),
    "secp521r1": hashes.SHA512(),
}
_OID_SHA256_RSA = "1.2.840.113549.1.1.11"
_RSA_TOO_SMALL = (
    "crypto/rsa: {}-bit keys are insecure (see https://go.dev/pkg/crypto/rsa#hdr-Minimum_key_size)"
)
_OID_CN = "2.5.4.3"
_KU_DIGITAL_SIGNATURE, _KU_KEY_ENCIPHERMENT, _KU_CERT_SIGN = 1, 4, 32


class _CertError(Exception):
    pass


@dataclass
class _Parent:
    """The issuer: its raw subject, public key and subject key id (None: self-signed)."""

    subject: bytes
    public_key: Any
    key_id: bytes


def _public_key(key: PrivateKey) -> Any:
    if isinstance(key, _DSAKey):
        return key  # stands for its public half
    return key.public_key()


def _public_key_info(public: Any) -> tuple[bytes, bytes]:
    """(the SubjectPublicKeyInfo, the bytes of its BIT STRING) as x509's marshalPublicKey."""
    if isinstance(public, _DSAKey):
        raise _CertError("x509: unsupported public key type: *dsa.PublicKey")
    if isinstance(public, rsa.RSAPublicKey):
        raw = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
        algorithm = der.seq(der.oid(_OID_RSA), der.NULL)
    elif isinstance(public, ec.EllipticCurvePublicKey):
        if public.curve.name not in _CURVE_OIDS:
            raise _CertError("x509: unsupported elliptic curve")
        raw = public.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        algorithm = der.seq(der.oid(_OID_EC), der.oid(_CURVE_OIDS[public.curve.name]))
    elif isinstance(public, ed25519.Ed25519PublicKey):
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        algorithm = der.seq(der.oid(_OID_ED25519))
    elif isinstance(public, x25519.X25519PublicKey):  # x509 cannot put one in a certificate
        raise _CertError("x509: unsupported public key type: *ecdh.PublicKey")
    else:
        raise _CertError(f"x509: unsupported public key type: {type(public).__name__}")
    return der.seq(algorithm, der.bits(raw)), raw


def _signature_algorithm(signer: PrivateKey) -> bytes:
    if isinstance(signer, _DSAKey | x25519.X25519PrivateKey):
        raise _CertError("x509: certificate private key does not implement crypto.Signer")
    if isinstance(signer, rsa.RSAPrivateKey):
        return der.seq(der.oid(_OID_SHA256_RSA), der.NULL)
    if isinstance(signer, ec.EllipticCurvePrivateKey):
        found = _SIGNATURE_ALGORITHMS.get(signer.curve.name)
        if found is None:
            raise _CertError("x509: unsupported elliptic curve")
        return der.seq(der.oid(found))
    return der.seq(der.oid(_OID_ED25519))


def _sign(signer: PrivateKey, data: bytes) -> bytes:
    if isinstance(signer, rsa.RSAPrivateKey):
        if signer.key_size < 1024:
            raise _CertError(_RSA_TOO_SMALL.format(signer.key_size))
        return signer.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if isinstance(signer, ec.EllipticCurvePrivateKey):
        return signer.sign(data, ec.ECDSA(_EC_HASHES[signer.curve.name]))
    if isinstance(signer, ed25519.Ed25519PrivateKey):
        return signer.sign(data)
    raise _CertError("x509: certificate private key does not implement crypto.Signer")


def _same_public_key(a: Any, b: Any) -> bool:
    try:
        return bool(_public_key_info(a)[0] == _public_key_info(b)[0])
    except _CertError:
        return False


def _name(common_name: str) -> bytes:
    if not common_name:
        return der.seq()
    return der.seq(der.der_set(der.seq(der.oid(_OID_CN), der.go_string(common_name))))


def _key_usage(usage: int) -> bytes:
    first = int(f"{usage & 0xFF:08b}"[::-1], 2)
    second = int(f"{(usage >> 8) & 0xFF:08b}"[::-1], 2)
    data = bytes([first, second]) if second else bytes([first])
    last = data[-1]
    unused = (last & -last).bit_length() - 1 if last else 0
    return der.bits(data, unused)


def _extension(oid_text: str, value: bytes, critical: bool = False) -> bytes:
    parts = [der.oid(oid_text)]
    if critical:
        parts.append(der.boolean(True))
    return der.seq(*parts, der.octets(value))


@dataclass
class _Template:
    common_name: str
    ips: list[bytes]
    dns_names: list[str]
    not_before: dt.datetime
    not_after: dt.datetime
    serial: int
    is_ca: bool = False


def _create_certificate(
    template: _Template, signee: PrivateKey, parent: _Parent | None, signer: PrivateKey
) -> bytes:
    """crypto/x509.CreateCertificate for Sprig's template; the certificate's DER."""
    algorithm = _signature_algorithm(signer)
    spki, public_bytes = _public_key_info(_public_key(signee))
    subject = _name(template.common_name)
    issuer = parent.subject if parent is not None else subject
    authority_key_id = parent.key_id if parent is not None and issuer != subject else b""
    subject_key_id = hashlib.sha256(public_bytes).digest()[:20] if template.is_ca else b""
    if parent is not None and not _same_public_key(_public_key(signer), parent.public_key):
        raise _CertError("x509: provided PrivateKey doesn't match parent's PublicKey")
    usage = _KU_DIGITAL_SIGNATURE | _KU_KEY_ENCIPHERMENT | (_KU_CERT_SIGN if template.is_ca else 0)
    extensions = [
        _extension("2.5.29.15", _key_usage(usage), critical=True),
        _extension(
            "2.5.29.37", der.seq(der.oid("1.3.6.1.5.5.7.3.1"), der.oid("1.3.6.1.5.5.7.3.2"))
        ),
        _extension(
            "2.5.29.19", der.seq(der.boolean(True)) if template.is_ca else der.seq(), critical=True
        ),
    ]
    if subject_key_id:
        extensions.append(_extension("2.5.29.14", der.octets(subject_key_id)))
    if authority_key_id:
        extensions.append(_extension("2.5.29.35", der.seq(der.implicit(0, authority_key_id))))
    if template.dns_names or template.ips:
        names = []
        for dns_name in template.dns_names:
            if not dns_name.isascii():
                raise _CertError(f"x509: {_go_quote(dns_name)} cannot be encoded as an IA5String")
            names.append(der.implicit(2, dns_name.encode()))
        names += [der.implicit(7, ip) for ip in template.ips]
        extensions.append(_extension("2.5.29.17", der.seq(*names), critical=subject == der.seq()))
    tbs = der.seq(
        der.explicit(0, der.integer(2)),
        der.integer(template.serial),
        algorithm,
        issuer,
        der.seq(der.go_time(template.not_before), der.go_time(template.not_after)),
        subject,
        spki,
        der.explicit(3, der.seq(*extensions)),
    )
    return der.seq(tbs, algorithm, der.bits(_sign(signer, tbs)))


def _go_quote(text: str) -> str:
    from navarch.engines.gotemplate.gofmt import quote

    return quote(text)


def _base_template(common_name: str, ips: Any, dns_names: Any, days: int) -> _Template:
    """Sprig's getBaseCertTemplate."""
    addresses: list[bytes] = []
    for ip in ips or []:
        if not isinstance(ip, str):
            raise _CertError(f"error parsing ip: {sprint_value(ip)} is not a string")
        address = _parse_ip(ip)
        if address is None:
            raise _CertError(f"error parsing ip: {ip}")
        addresses.append(address)
    names: list[str] = []
    for name in dns_names or []:
        if not isinstance(name, str):
            raise _CertError(
                f"error processing alternate dns name: {sprint_value(name)} is not a string"
            )
        names.append(name)
    now = dt.datetime.now(dt.UTC)
    # time.Hour * 24 * time.Duration(days): an int64 count of nanoseconds, wrapping over
    nanos = (days * 86_400 * 10**9 + 2**63) % 2**64 - 2**63
    return _Template(
        common_name=common_name,
        ips=addresses,
        dns_names=names,
        not_before=now,
        not_after=now + dt.timedelta(microseconds=nanos // 1000),
        serial=secrets.randbelow(2**128),
    )


def _parse_ip(text: str) -> bytes | None:
    """net.ParseIP, as the bytes x509 writes (4 for an IPv4 or IPv4-mapped address)."""
    if "%" in text:
        return None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.packed
    return address.packed


def _cert_and_key(
    template: _Template, signee: PrivateKey, parent: _Parent | None, signer: PrivateKey
) -> Certificate:
    """Sprig's getCertAndKey."""
    try:
        body = _create_certificate(template, signee, parent, signer)
    except _CertError as exc:
        raise _CertError(f"error creating certificate: {exc}") from None
    return Certificate(der.pem_encode("CERTIFICATE", body), _pem_for_key(signee))


def _new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _key_from_pem(text: str) -> PrivateKey:
    try:
        return _parse_private_key_pem(text)
    except _PrivateKeyError as exc:
        raise _CertError(f"parsing private key: {exc}") from None


def _ca(common_name: str, days: int, key: PrivateKey) -> Certificate:
    template = _base_template(common_name, None, None, days)
    template.is_ca = True
    return _cert_and_key(template, key, None, key)


def _self_signed(
    common_name: str, ips: Any, dns_names: Any, days: int, key: PrivateKey
) -> Certificate:
    return _cert_and_key(_base_template(common_name, ips, dns_names, days), key, None, key)


def _signed(
    common_name: str, ips: Any, dns_names: Any, days: int, ca: Certificate, key: PrivateKey
) -> Certificate:
    block = der.pem_decode(ca.cert.encode())
    if block is None:
        raise _CertError("unable to decode certificate")
    try:
        parent = _parse_certificate(block.data)
    except ValueError as exc:
        raise _CertError(f"error parsing certificate: decodedSignerCert.Bytes: {exc}") from None
    try:
        signer = _parse_private_key_pem(ca.key)
    except _PrivateKeyError as exc:
        raise _CertError(f"error parsing private key: {exc}") from None
    template = _base_template(common_name, ips, dns_names, days)
    return _cert_and_key(template, key, parent, signer)


def _parse_certificate(data: bytes) -> _Parent:
    """x509.ParseCertificate, for what signing with it needs; ValueError when it is not one."""
    try:
        cert = cx509.load_der_x509_certificate(data)
        tbs = cert.tbs_certificate_bytes
        fields = der.children(der.read(tbs).content)
        if fields and fields[0].tag == 0xA0:
            fields = fields[1:]
        subject = fields[4].raw(der.read(tbs).content)
        public_key = cert.public_key()
    except (ValueError, IndexError, der.DERError, UnsupportedAlgorithm) as exc:
        raise ValueError(f"x509: malformed certificate ({exc})") from None
    try:
        key_id = cert.extensions.get_extension_for_class(cx509.SubjectKeyIdentifier).value.digest
    except cx509.ExtensionNotFound:
        key_id = b""
    return _Parent(subject, public_key, key_id)


def _build_custom_cert(b64cert: str, b64key: str) -> Certificate:
    try:
        cert = der.b64decode_std(b64cert)
    except ValueError:
        raise FuncError("unable to decode base64 certificate") from None
    try:
        key = der.b64decode_std(b64key)
    except ValueError:
        raise FuncError("unable to decode base64 private key") from None
    block = der.pem_decode(cert)
    if block is None:
        raise FuncError("unable to decode certificate")
    try:
        _parse_certificate(block.data)
    except ValueError as exc:
        raise FuncError(f"error parsing certificate: decodedCert.Bytes: {exc}") from None
    try:
        _parse_private_key_pem(key.decode(errors="replace"))
    except _PrivateKeyError as exc:
        raise FuncError(f"error parsing private key: {exc}") from None
    return Certificate(cert.decode(errors="replace"), key.decode(errors="replace"))


def _failing(fn: Any) -> Any:
    """The certificate functions' error result: FuncError with the message."""

    def call(*args: Any) -> Any:
        try:
            return fn(*args)
        except _CertError as exc:
            raise FuncError(str(exc)) from None

    return call


@_failing
def _gen_ca(common_name: str, days: int) -> Certificate:
    return _ca(common_name, days, _new_rsa_key())


@_failing
def _gen_ca_with_key(common_name: str, days: int, key_pem: str) -> Certificate:
    return _ca(common_name, days, _key_from_pem(key_pem))


@_failing
def _gen_self_signed(common_name: str, ips: Any, dns_names: Any, days: int) -> Certificate:
    return _self_signed(common_name, ips, dns_names, days, _new_rsa_key())


@_failing
def _gen_self_signed_with_key(
    common_name: str, ips: Any, dns_names: Any, days: int, key_pem: str
) -> Certificate:
    return _self_signed(common_name, ips, dns_names, days, _key_from_pem(key_pem))


@_failing
def _gen_signed(
    common_name: str, ips: Any, dns_names: Any, days: int, ca: Certificate
) -> Certificate:
    return _signed(common_name, ips, dns_names, days, ca, _new_rsa_key())


@_failing
def _gen_signed_with_key(
    common_name: str, ips: Any, dns_names: Any, days: int, ca: Certificate, key_pem: str
) -> Certificate:
    return _signed(common_name, ips, dns_names, days, ca, _key_from_pem(key_pem))


_register("bcrypt", _bcrypt, "string")
_register("htpasswd", _htpasswd, "string", "string")
_register("randBytes", _rand_bytes, "int")
_register("derivePassword", _derive_password, "uint32", "string", "string", "string", "string")
_register("encryptAES", _encrypt_aes, "string", "string")
_register("decryptAES", _decrypt_aes, "string", "string")
_register("genPrivateKey", _generate_private_key, "string")
_register("buildCustomCert", _build_custom_cert, "string", "string")
_register("genCA", _gen_ca, "string", "int")
_register("genCAWithKey", _gen_ca_with_key, "string", "int", "string")
_register("genSelfSignedCert", _gen_self_signed, "string", "list", "list", "int")
_register(
    "genSelfSignedCertWithKey", _gen_self_signed_with_key, "string", "list", "list", "int", "string"
)
_register("genSignedCert", _gen_signed, "string", "list", "list", "int", "sprig.certificate")
_register(
    "genSignedCertWithKey",
    _gen_signed_with_key,
    "string",
    "list",
    "list",
    "int",
    "sprig.certificate",
    "string",
)
