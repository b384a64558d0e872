"""DER, PEM and base64 the way Go's encoding/asn1, encoding/pem and encoding/base64 do them.

Sprig's certificate functions build X.509 certificates with Go's crypto/x509; to produce the
same certificates (extension order, string types, UTCTime/GeneralizedTime rules, what an
empty subject looks like) ``sprig_crypto`` assembles the DER itself with these helpers and
signs it with ``cryptography``. ``pem_decode`` follows pem.Decode's rules (the first block
whose BEGIN and END lines match and whose base64 is valid; junk around it is skipped), and
``b64decode_std`` base64.StdEncoding's (padding required, CR and LF ignored).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass

# -- encoding -----------------------------------------------------------------------------


def tlv(tag: int, content: bytes) -> bytes:
    """One DER element: tag, definite length, content."""
    size = len(content)
    if size < 0x80:
        length = bytes([size])
    else:
        raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + content


def seq(*items: bytes) -> bytes:
    return tlv(0x30, b"".join(items))


def der_set(*items: bytes) -> bytes:
    return tlv(0x31, b"".join(sorted(items)))


def integer(value: int) -> bytes:
    size = max(1, (value.bit_length() + 8) // 8)  # room for the sign bit
    return tlv(0x02, value.to_bytes(size, "big", signed=True))


def boolean(value: bool) -> bytes:
    return tlv(0x01, b"\xff" if value else b"\x00")


def octets(value: bytes) -> bytes:
    return tlv(0x04, value)


def bits(value: bytes, unused: int = 0) -> bytes:
    return tlv(0x03, bytes([unused]) + value)


NULL = b"\x05\x00"


def oid(dotted: str) -> bytes:
    parts = [int(p) for p in dotted.split(".")]
    body = bytearray()
    for part in [parts[0] * 40 + parts[1], *parts[2:]]:
        chunk = [part & 0x7F]
        rest = part >> 7
        while rest:
            chunk.append(0x80 | (rest & 0x7F))
            rest >>= 7
        body += bytes(reversed(chunk))
    return tlv(0x06, bytes(body))


def explicit(number: int, content: bytes) -> bytes:
    return tlv(0xA0 | number, content)


def implicit(number: int, content: bytes) -> bytes:
    """A context-specific primitive element ([n] IMPLICIT)."""
    return tlv(0x80 | number, content)


def _printable(text: str) -> bool:
    return all(ch.isascii() and (ch.isalnum() or ch in " '()+,-./:=?") for ch in text)


def go_string(text: str) -> bytes:
    """A Go string marshalled without an explicit type: PrintableString when every
    character allows it, else UTF8String."""
    return tlv(0x13 if _printable(text) else 0x0C, text.encode())


def go_time(when: dt.datetime) -> bytes:
    """A time.Time: UTCTime from 1950 to 2049, GeneralizedTime otherwise (seconds only)."""
    when = when.astimezone(dt.UTC)
    if 1950 <= when.year < 2050:
        return tlv(0x17, when.strftime("%y%m%d%H%M%SZ").encode())
    return tlv(0x18, f"{when.year:04d}{when.strftime('%m%d%H%M%S')}Z".encode())


# -- decoding (just enough to tell key formats apart) -----------------------------------


class DERError(ValueError):
    pass


@dataclass
class Element:
    tag: int
    content: bytes
    start: int  # offset of the tag
    end: int  # offset just past the element

    def raw(self, data: bytes) -> bytes:
        return data[self.start : self.end]


def read(data: bytes, offset: int = 0) -> Element:
    if offset + 2 > len(data):
        raise DERError("asn1: syntax error: data truncated")
    tag = data[offset]
    if tag & 0x1F == 0x1F:
        raise DERError("asn1: structure error: tag number too large")
    size = data[offset + 1]
    pos = offset + 2
    if size & 0x80:
        count = size & 0x7F
        if count == 0 or count > 4 or pos + count > len(data):
            raise DERError("asn1: syntax error: indefinite length found (not DER)")
        size = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if pos + size > len(data):
        raise DERError("asn1: syntax error: data truncated")
    return Element(tag, data[pos : pos + size], offset, pos + size)


def children(content: bytes) -> list[Element]:
    out = []
    pos = 0
    while pos < len(content):
        element = read(content, pos)
        out.append(element)
        pos = element.end
    return out


def as_int(element: Element) -> int:
    if element.tag != 0x02 or not element.content:
        raise DERError("asn1: structure error: tags don't match")
    return int.from_bytes(element.content, "big", signed=True)


# -- PEM ------------------------------------------------------------------------------------


@dataclass
class PEMBlock:
    type: str
    headers: dict[str, str]
    data: bytes


def pem_encode(block_type: str, data: bytes) -> str:
    """pem.EncodeToMemory of a block without headers."""
    body = base64.b64encode(data).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return (
        "".join([f"-----BEGIN {block_type}-----\n", *(f"{line}\n" for line in lines)])
        + f"-----END {block_type}-----\n"
    )


def _get_line(data: bytes) -> tuple[bytes, bytes, int]:
    i = data.find(b"\n")
    if i < 0:
        i = j = len(data)
    else:
        j = i + 1
        if i > 0 and data[i - 1 : i] == b"\r":
            i -= 1
    return data[:i].rstrip(b" \t"), data[j:], j


def _headers(rest: bytes) -> tuple[dict[str, str], bytes, int] | None:
    """The "Key: value" lines at the start of a block, what follows, and the bytes read;
    None when the data ends first."""
    headers: dict[str, str] = {}
    total = 0
    while True:
        if not rest:
            return None
        line, following, consumed = _get_line(rest)
        key, colon, value = line.partition(b":")
        if not colon:
            return headers, rest, total
        headers[key.strip().decode(errors="replace")] = value.strip().decode(errors="replace")
        rest = following
        total += consumed


def pem_decode(data: bytes) -> PEMBlock | None:
    """The first PEM block in ``data`` as pem.Decode finds it, or None."""
    rest = data
    trailer_at = 0
    while True:
        if trailer_at < 0 or trailer_at > len(rest):
            return None
        rest = rest[trailer_at:]
        end_at = rest.find(b"\n-----END ")
        if end_at < 0:
            return None
        trailer_at = end_at + len(b"\n-----END ")
        begin_at = rest.rfind(b"-----BEGIN ", 0, end_at)
        if begin_at < 0 or (begin_at > 0 and rest[begin_at - 1 : begin_at] != b"\n"):
            continue
        shift = begin_at + len(b"-----BEGIN ")
        rest = rest[shift:]
        end_at -= shift
        trailer_at -= shift
        type_line, rest, consumed = _get_line(rest)
        end_at -= consumed
        trailer_at -= consumed
        if not type_line.endswith(b"-----"):
            continue
        type_line = type_line[: -len(b"-----")]
        found = _headers(rest)
        if found is None:
            return None
        headers, rest, consumed = found
        end_at -= consumed
        trailer_at -= consumed
        if headers and end_at < 0:
            continue
        trailer = rest[trailer_at:]
        trailer_len = len(type_line) + len(b"-----")
        if len(trailer) < trailer_len:
            continue
        rest_of_line = trailer[trailer_len:]
        trailer = trailer[:trailer_len]
        if not trailer.startswith(type_line) or not trailer.endswith(b"-----"):
            continue
        if _get_line(rest_of_line)[0]:
            continue
        body = b""
        if end_at > 0:
            encoded = rest[:end_at].replace(b" ", b"").replace(b"\t", b"")
            try:
                body = b64decode_std(encoded)
            except ValueError:
                continue
        return PEMBlock(type_line.decode(errors="replace"), headers, body)


def b64decode_std(data: bytes | str) -> bytes:
    """base64.StdEncoding.DecodeString: padding required, CR and LF skipped; ValueError
    with Go's message on bad input."""
    raw = data.encode() if isinstance(data, str) else data
    cleaned = raw.replace(b"\r", b"").replace(b"\n", b"")
    try:
        return base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"illegal base64 data at input byte {_bad_byte(raw)}") from None


def _bad_byte(raw: bytes) -> int:
    """Where base64.StdEncoding reports the first bad byte (approximately: the first byte
    outside the alphabet, else the start of the incomplete last quantum)."""
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
    for i, byte in enumerate(raw):
        if byte not in alphabet and byte not in b"\r\n":
            return i
    return len(raw)
