"""Differential cases for Sprig's crypto functions and getHostByName.

Deterministic by construction: derivePassword (the Master Password algorithm), decryptAES of
ciphertexts Go's encryptAES made, round trips through encryptAES, buildCustomCert of a fixed
certificate and key (the certificate object, its fields, printing, JSON/YAML/TOML), what a
generated key or certificate re-encodes deterministically (the PEM of a given key), the
length of keys whose DER has a fixed size, every error path (bad keys, bad PEM, bad IPs and DNS
names, a DSA key, a CA key that does not match, Go runtime panics in decryptAES and randBytes,
Go's argument type checks), and getHostByName of IP literals (no DNS). Random output itself
(keys, certificates, bcrypt hashes, random bytes) is checked by properties in
``test_properties.py``.
"""

from __future__ import annotations

from typing import Any

# PEM keys and a CA certificate made once (the CA by Go's genCAWithKey with EC_KEY), and
# ciphertexts made by Go's encryptAES: constants, so the cases are deterministic.

EC_KEY = (
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIMkSFhdnKDBp+BOIWPVg0/78lX5Hl4CDHqsXAs1eN27IoAoGCCqGSM49\n"
    "AwEHoUQDQgAEuqQzjXSPTN1OKPUsRzNa05qrl825BoZrUhvNaYqQ58IcOR4JPkrY\n"
    "Xjw/1YrHIbVkQ5ypXJM9BMgTAPWFu9Yc9g==\n"
    "-----END EC PRIVATE KEY-----\n"
)

OTHER_EC_KEY = (
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIB3Aez47sYiR7VA302IrxDc+rwsqyn+i7Z5ZOQ9PDI7EoAoGCCqGSM49\n"
    "AwEHoUQDQgAE2qz+bppCauK065ArQYUs1YuXMPNPh+N95CnJMy2I9LTM/cGcJu+/\n"
    "jSjqGEZBVG2iw7p9aDzo1g5Cbdlvxs2STw==\n"
    "-----END EC PRIVATE KEY-----\n"
)

ED25519_KEY = (
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIA8mph2DDTC08R+chdCROfMD8Dd19PqRq0WwgSXp80mW\n"
    "-----END PRIVATE KEY-----\n"
)

DSA_KEY = (
    "-----BEGIN DSA PRIVATE KEY-----\n"
    "MIIDWAIBAAKCAQEAtgEUdcAVWPx9fW3JK7ykIqLRM2HI92feIodiAVVebB74jNnh\n"
    "S7tLMzPMhk+/dyuNEzSdO79kh+ucdHrMpRQNELLUDEzziNyNAP2gJoNX9GrQvw2g\n"
    "G4Qd2EZMjorTlffOqQQQjxIuTOFFl8nGCySGV1OEgLeverosEKRftS9hCYG1/fiU\n"
    "fUP3xxL6FXYL0+hc++g9J5HyrntEgoUYMQb1Q6mlOfHVvIibbeqk0haWxytu/xRe\n"
    "3petcqG/6LBZWP5AD31NC5CFxR3YZBfjktLoJn/qpCu8d6+WP/EXRkMWF7h3KfMP\n"
    "PHN6fO4ailphps6rmF9vGDH2fc3ceaiEnivlcwIhAOpCKpZ6fncXRXkrpXHoCWUx\n"
    "EJGguJoxTYNtlN3TrFOnAoIBAQCamnLj6sd8xGd+6yfzvzBimju/egyWVhIDerVZ\n"
    "vmDuEjhmK38nOOzgOb1FHj4g7AFgFMK09ZOyqutHpSnlZ8HJXb3/b9gPKr1gtLxd\n"
    "mlcivBJS+4S1hSLj/IEf9UXjdMN+1NVhAknjO/lBuDgTpal3vHwOOfbRHsRJs/VF\n"
    "N8DW4Z/g8Fk+1e/6UWbhQ+s8UOveASn4icMkAEOCWkkJBakCJckIZqSOKFZhwDN7\n"
    "MUq4xGr3lord541bJROJ8nhs+7Q+MOSKUTQg/Ma98PUnG68GE5ud3tncCFONg/YS\n"
    "ZBuTyM38jzBAW7ZR5dxl8IZMu8B88SIS7AjP00BtgFzQhUuwAoIBAQCmw22rGnpa\n"
    "gxZhnIeWK5onFn2C27cSnddnToX06t+Oc+IYb1T5lajvGQbs8GhI3DW4HgPXXD1u\n"
    "N6yXxTOZAYa3vlvsI+4+dTVxV/d5trsAhCjjaMlc75Q9bovO4WNGaqaWQSBGo4kh\n"
    "UQyKHoyG5TVfdJUa/ke7ECCqxcLFveWhl/8BZh5AkWhrQW/vVxuPqVD4vpxybVzB\n"
    "tLAyqu7VsQNOxZ1p8AW9nHpRYDxxIsq5jEm8XfXIEY2ErumsuzZbdczzoyboq0Vl\n"
    "6ZZRgeuzDTyRXSNHkaiEyZjkYt9pOHd4pR4IAfKNIh6ZD/GenSph+Ey05GQV9hJo\n"
    "PR+yRi+UVSADAiEAwLoIR1a2mpyF51/Eut7kUANhAazehHtfyjfXqyYvS9o=\n"
    "-----END DSA PRIVATE KEY-----\n"
)

CA_CERT = (
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBkzCCATmgAwIBAgIQTI9OY6b4TRKTmCuKaMUHPzAKBggqhkjOPQQDAjAaMRgw\n"
    "FgYDVQQDEw9uYXZhcmNoLXRlc3QtY2EwHhcNMjYxMTI2MDEzNzQxWhcNMzYxMTIz\n"
    "MDEzNzQxWjAaMRgwFgYDVQQDEw9uYXZhcmNoLXRlc3QtY2EwWTATBgcqhkjOPQIB\n"
    "BggqhkjOPQMBBwNCAAS6pDONdI9M3U4o9SxHM1rTmquXzbkGhmtSG81pipDnwhw5\n"
    "Hgk+SthePD/VischtWRDnKlckz0EyBMA9YW71hz2o2EwXzAOBgNVHQ8BAf8EBAMC\n"
    "AqQwHQYDVR0lBBYwFAYIKwYBBQUHAwEGCCsGAQUFBwMCMA8GA1UdEwEB/wQFMAMB\n"
    "Af8wHQYDVR0OBBYEFGfpjqIMQEIMqsFXf7HzkFB5Gz8HMAoGCCqGSM49BAMCA0gA\n"
    "MEUCICqXGwNrHarYtqowqYCbgz+YTjd+bwSYHPjEOB+PtXWEAiEAjOcokViBJ+kj\n"
    "zwrUKFM3fsVw3e3XCFuvvgyqE4tkWPQ=\n"
    "-----END CERTIFICATE-----\n"
)

GO_CIPHERTEXTS: dict[str, tuple[str, str]] = {  # id -> (password, encryptAES output)
    "plain": ("secret", "BAPW0V69LkZR9CtC37u8p1DKFK9g4XhOkBrBRd8J5CA="),
    "empty-password": ("", "yIHBzpHjkLcsXI9AxxwkGF4PAN7ZJ1wNlF9DxMlnQrM="),
    "empty-text": ("k", ""),
    "long-password": (
        "0123456789abcdef0123456789abcdef-longer-than-32",
        "l4Aw2pKb0sNr1QN1ijruH04GhFWWA7nk3irBiD7bWPY=",
    ),
    "unicode": ("pässwörd", "gAyhDjfGQzJH8SqyDOEWA4GpuMvLKp73xhx6K+t5SG5YP8h/tOrr+bs//z85ocQW"),
    "full-block": (
        "exactly-16-bytes",
        "So4N82YFOFh+4g8FZ2GmirVf5Xx1733DpboqMxcnFFNcbcugOuCKROHPLHwZVEG6",
    ),
    "multi-block": (
        "multi",
        "1ik1hmO10uMbLBqFzGxbTDLivqgHomZj2g8ZGfyCiOAk+IehhddFaRx1vB+sfPbZ6jFk/phj480awOP/ByiIhOnJTvE2uDB6FxTNNNDF7nI=",
    ),
    "yaml": ("yaml", "LwzAzpyLQHoo8e76CqxiWHHA7hSxY9gf3isIo+QSLNwVj1MyX6OWApgVdWzV8Rvd"),
}

PLAINTEXTS = {
    "plain": "hello world",
    "empty-password": "empty key",
    "empty-text": "",
    "long-password": "long key",
    "unicode": "ünïcödé ✓ text",
    "full-block": "exactly16bytes!!",
    "multi-block": "a" * 50 + "\nline two\n",
    "yaml": "user: admin\npassword: s3cr3t",
}


def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()


CRYPTO_DATA: dict[str, Any] = {
    "ec": EC_KEY,
    "ec2": OTHER_EC_KEY,
    "ed": ED25519_KEY,
    "dsa": DSA_KEY,
    "ca": CA_CERT,
    "ca64": _b64(CA_CERT),
    "ec64": _b64(EC_KEY),
    "ec2_64": _b64(OTHER_EC_KEY),
    "ed64": _b64(ED25519_KEY),
    "dsa64": _b64(DSA_KEY),
    "ct": {name: text for name, (_, text) in GO_CIPHERTEXTS.items()},
    "pw": {name: password for name, (password, _) in GO_CIPHERTEXTS.items()},
    "counter": 7,  # an int64 in the data: not a uint32
    "ips": ["10.0.0.1", "::1"],
    "names": ["a.example", "b.example"],
}

# the CA (CA_CERT with its key EC_KEY) as Sprig's certificate object
CA = "(buildCustomCert .ca64 .ec64)"

DERIVE: list[tuple[str, str]] = [
    ("derive-long", '{{ derivePassword 1 "long" "password" "user" "example.com" }}'),
    ("derive-maximum", '{{ derivePassword 1 "maximum" "password" "user" "example.com" }}'),
    ("derive-medium", '{{ derivePassword 2 "medium" "hunter2" "alice" "github.com" }}'),
    ("derive-short", '{{ derivePassword 3 "short" "hunter2" "alice" "github.com" }}'),
    ("derive-basic", '{{ derivePassword 1 "basic" "pw" "bob" "mail.example" }}'),
    ("derive-pin", '{{ derivePassword 9 "pin" "pw" "bob" "bank.example" }}'),
    ("derive-empty", '{{ derivePassword 0 "long" "" "" "" }}'),
    ("derive-unicode", '{{ derivePassword 1 "maximum" "pässwörd" "ünïcödé" "✓.example" }}'),
    (
        "derive-counter-wraps",
        '{{ derivePassword 4294967297 "long" "password" "user" "example.com" }}',
    ),
    ("derive-float-counter", '{{ derivePassword 1.0 "long" "password" "user" "example.com" }}'),
    ("derive-unknown-type", '{{ derivePassword 1 "huge" "password" "user" "example.com" }}'),
    ("derive-negative-counter", '{{ derivePassword -1 "long" "password" "user" "example.com" }}'),
    ("derive-int64-counter", '{{ derivePassword .counter "long" "p" "u" "s" }}'),
    ("derive-string-counter", '{{ derivePassword "1" "long" "p" "u" "s" }}'),
    ("derive-pipeline", '{{ "example.com" | derivePassword 5 "medium" "password" "user" }}'),
]

AES: list[tuple[str, str]] = [
    *(
        (
            f"aes-decrypt-go-{name}",
            f'{{{{ decryptAES (index .pw "{name}") (index .ct "{name}") }}}}',
        )
        for name in GO_CIPHERTEXTS
    ),
    ("aes-decrypt-go-yaml-parsed", "{{ (decryptAES .pw.yaml .ct.yaml | fromYaml).user }}"),
    ("aes-round-trip", '{{ encryptAES "key" "round trip" | decryptAES "key" }}'),
    ("aes-round-trip-unicode", '{{ encryptAES "ключ" "ünï ✓\\n" | decryptAES "ключ" | quote }}'),
    (
        "aes-round-trip-long-key",
        '{{ encryptAES (repeat 40 "k") "truncated key" | decryptAES (repeat 33 "k") }}',
    ),
    ("aes-encrypt-empty", '{{ encryptAES "key" "" | quote }}'),
    ("aes-encrypt-length", '{{ encryptAES "key" "sixteen bytes!!!" | len }}'),
    ("aes-encrypt-length-two-blocks", '{{ encryptAES "key" "seventeen bytes!!" | len }}'),
    ("aes-decrypt-empty", '{{ decryptAES "key" "" | quote }}'),
    ("aes-decrypt-bad-base64", '{{ decryptAES "key" "not base64!" }}'),
    ("aes-decrypt-short", '{{ decryptAES "key" "AAAA" }}'),
    ("aes-decrypt-one-block", '{{ decryptAES "key" "AAAAAAAAAAAAAAAAAAAAAA==" }}'),
    ("aes-decrypt-partial-block", '{{ decryptAES "key" "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" }}'),
    ("aes-decrypt-wrong-key", '{{ decryptAES "wrong" .ct.plain }}'),
    ("aes-decrypt-int-arg", "{{ decryptAES 1 .ct.plain }}"),
]

HASHES: list[tuple[str, str]] = [
    ("bcrypt-shape", '{{ $h := bcrypt "password" }}{{ len $h }} {{ hasPrefix "$2a$10$" $h }}'),
    ("bcrypt-too-long", '{{ bcrypt (repeat 73 "a") }}'),
    ("bcrypt-72-bytes", '{{ bcrypt (repeat 72 "a") | len }}'),
    ("bcrypt-multibyte-too-long", '{{ bcrypt (repeat 37 "é") }}'),
    ("bcrypt-int", "{{ bcrypt 1 }}"),
    (
        "htpasswd-shape",
        '{{ $h := htpasswd "admin" "pw" }}{{ len $h }} {{ hasPrefix "admin:$2a$10$" $h }}',
    ),
    ("htpasswd-colon", '{{ htpasswd "ad:min" "pw" }}'),
    ("htpasswd-too-long", '{{ htpasswd "admin" (repeat 80 "p") }}'),
    ("htpasswd-one-arg", '{{ htpasswd "admin" }}'),
    ("randbytes-zero", "{{ randBytes 0 | quote }}"),
    (
        "randbytes-length",
        "{{ randBytes 24 | len }} {{ randBytes 1 | len }} {{ randBytes 100 | len }}",
    ),
    ("randbytes-negative", "{{ randBytes -1 }}"),
    ("randbytes-int64", "{{ randBytes .counter }}"),
]

KEYS: list[tuple[str, str]] = [
    ("genkey-unknown", '{{ genPrivateKey "rsa2" }}'),
    ("genkey-uppercase", '{{ genPrivateKey "RSA" }}'),
    (
        "genkey-ed25519-shape",
        '{{ $k := genPrivateKey "ed25519" }}{{ len $k }} '
        '{{ hasPrefix "-----BEGIN PRIVATE KEY-----\\n" $k }}',
    ),
    (
        "genkey-ecdsa-shape",
        '{{ $k := genPrivateKey "ecdsa" }}{{ len $k }} '
        '{{ hasSuffix "-----END EC PRIVATE KEY-----\\n" $k }}',
    ),
    ("genkey-ed25519-usable", '{{ (genCAWithKey "ca" 1 (genPrivateKey "ed25519")).Key | len }}'),
    ("genkey-int", "{{ genPrivateKey 1 }}"),
]

CERTS: list[tuple[str, str]] = [
    ("cert-custom-cert", "{{ (buildCustomCert .ca64 .ec64).Cert }}"),
    ("cert-custom-key", "{{ (buildCustomCert .ca64 .ec64).Key }}"),
    ("cert-custom-type", '{{ printf "%T" (buildCustomCert .ca64 .ec64) }}'),
    (
        "cert-custom-kind",
        "{{ kindOf (buildCustomCert .ca64 .ec64) }} {{ typeOf (buildCustomCert .ca64 .ec64) }}",
    ),
    ("cert-custom-print", "{{ buildCustomCert .ca64 .ed64 }}"),
    (
        "cert-custom-printf",
        '{{ printf "%v|%s" (buildCustomCert .ca64 .ed64) (buildCustomCert .ca64 .ed64).Key }}',
    ),
    ("cert-custom-json", "{{ toJson (buildCustomCert .ca64 .ed64) }}"),
    ("cert-custom-yaml", "{{ toYaml (buildCustomCert .ca64 .ed64) }}"),
    ("cert-custom-toml", "{{ toToml (buildCustomCert .ca64 .ed64) }}"),
    ("cert-custom-toml-nested", '{{ toToml (dict "tls" (buildCustomCert .ca64 .ed64)) }}'),
    ("cert-custom-toml-inline", '{{ toToml (dict "l" (list (buildCustomCert .ca64 .ed64) 1)) }}'),
    ("cert-custom-in-map", '{{ (dict "c" (buildCustomCert .ca64 .ed64)).c.Key }}'),
    ("cert-custom-eq", "{{ eq (buildCustomCert .ca64 .ec64) (buildCustomCert .ca64 .ec64) }}"),
    ("cert-custom-truth", "{{ if buildCustomCert .ca64 .ec64 }}yes{{ end }}"),
    ("cert-custom-any-key", "{{ (buildCustomCert .ca64 .dsa64).Key | len }}"),
    ("cert-custom-mismatched-key", "{{ (buildCustomCert .ca64 .ec2_64).Key | len }}"),
    ("cert-custom-no-field", "{{ (buildCustomCert .ca64 .ec64).Foo }}"),
    ("cert-custom-field-args", "{{ (buildCustomCert .ca64 .ec64).Cert 1 }}"),
    ("cert-custom-lower-field", "{{ (buildCustomCert .ca64 .ec64).cert }}"),
    ("cert-custom-bad-base64-cert", '{{ buildCustomCert "!!" .ec64 }}'),
    ("cert-custom-bad-base64-key", '{{ buildCustomCert .ca64 "!!" }}'),
    ("cert-custom-not-pem", '{{ buildCustomCert (b64enc "hello") .ec64 }}'),
    ("cert-custom-not-a-cert", "{{ buildCustomCert .ec64 .ec64 }}"),
    (
        "cert-custom-bad-der",
        "{{ buildCustomCert (b64enc `-----BEGIN CERTIFICATE-----\nAAAA\n"
        "-----END CERTIFICATE-----\n`) .ec64 }}",
    ),
    ("cert-custom-key-is-cert", "{{ buildCustomCert .ca64 .ca64 }}"),
    ("cert-custom-key-not-pem", '{{ buildCustomCert .ca64 (b64enc "x") }}'),
    (
        "cert-custom-ssh-key",
        "{{ buildCustomCert .ca64 (b64enc `-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n"
        "-----END OPENSSH PRIVATE KEY-----\n`) }}",
    ),
    ("cert-ca-with-key-keeps-key", '{{ eq (genCAWithKey "x" 30 .ec).Key .ec }}'),
    ("cert-ca-with-ed25519-keeps-key", '{{ eq (genCAWithKey "x" 30 .ed).Key .ed }}'),
    (
        "cert-ca-shape",
        '{{ $c := genCAWithKey "x" 30 .ec }}'
        '{{ hasPrefix "-----BEGIN CERTIFICATE-----\\n" $c.Cert }} '
        '{{ hasSuffix "-----END CERTIFICATE-----\\n" $c.Cert }} {{ $c.Cert | len | lt 400 }}',
    ),
    ("cert-self-signed-keeps-key", '{{ (genSelfSignedCertWithKey "h" .ips .names 3 .ed).Key }}'),
    (
        "cert-signed-keeps-key",
        '{{ (genSignedCertWithKey "leaf" .ips .names 3 ' + CA + " .ed).Key }}",
    ),
    (
        "cert-signed-by-generated-ca",
        '{{ $ca := genCAWithKey "ca" 3 .ec }}'
        '{{ (genSignedCertWithKey "leaf" nil nil 3 $ca .ec2).Key }}',
    ),
    ("cert-ca-dsa-key", '{{ genCAWithKey "x" 3 .dsa }}'),
    ("cert-self-signed-dsa-key", '{{ genSelfSignedCertWithKey "x" nil nil 3 .dsa }}'),
    ("cert-signed-dsa-signee", '{{ genSignedCertWithKey "x" nil nil 3 ' + CA + " .dsa }}"),
    (
        "cert-signed-dsa-ca",
        '{{ genSignedCertWithKey "x" nil nil 3 (buildCustomCert .ca64 .dsa64) .ec }}',
    ),
    (
        "cert-signed-mismatched-ca",
        '{{ genSignedCertWithKey "x" nil nil 3 (buildCustomCert .ca64 .ec2_64) .ec }}',
    ),
    ("cert-ca-bad-key", '{{ genCAWithKey "x" 3 "not a key" }}'),
    ("cert-ca-cert-as-key", '{{ genCAWithKey "x" 3 .ca }}'),
    ("cert-bad-ip", '{{ genSelfSignedCertWithKey "x" (list "999.1.1.1") nil 3 .ec }}'),
    ("cert-ip-leading-zero", '{{ genSelfSignedCertWithKey "x" (list "010.1.1.1") nil 3 .ec }}'),
    ("cert-ip-zone", '{{ genSelfSignedCertWithKey "x" (list "fe80::1%eth0") nil 3 .ec }}'),
    ("cert-ip-not-string", '{{ genSelfSignedCertWithKey "x" (list 10) nil 3 .ec }}'),
    ("cert-dns-not-string", '{{ genSelfSignedCertWithKey "x" nil (list "a" true) 3 .ec }}'),
    ("cert-dns-not-ascii", '{{ genSelfSignedCertWithKey "x" nil (list "bücher.example") 3 .ec }}'),
    ("cert-ips-not-a-list", '{{ genSelfSignedCertWithKey "x" "10.0.0.1" nil 3 .ec }}'),
    ("cert-ips-error-before-key-use", '{{ genSelfSignedCertWithKey "x" (list "bad") nil 3 .dsa }}'),
    (
        "cert-signed-bad-ca-cert",
        '{{ genSignedCertWithKey "x" nil nil 3 (buildCustomCert .ca64 .ec64) "junk" }}',
    ),
    ("cert-signed-ca-dict", '{{ genSignedCert "x" nil nil 3 (dict "Cert" "c" "Key" "k") }}'),
    ("cert-signed-ca-nil", '{{ genSignedCert "x" nil nil 3 nil }}'),
    ("cert-signed-ca-string", '{{ genSignedCert "x" nil nil 3 "ca" }}'),
    ("cert-days-string", '{{ genCAWithKey "x" "3" .ec }}'),
    ("cert-days-int64", '{{ genCAWithKey "x" .counter .ec | typeOf }}'),
    ("cert-negative-days", '{{ (genCAWithKey "x" -3 .ec).Key | len }}'),
]

NETWORK: list[tuple[str, str]] = [
    ("host-ipv4-literal", '{{ getHostByName "127.0.0.1" }}'),
    ("host-ipv6-literal", '{{ getHostByName "::1" }}'),
    ("host-ipv6-unnormalised", '{{ getHostByName "2001:DB8:0:0::1" }}'),
    ("host-ipv4-private", '{{ getHostByName "10.20.30.40" }}'),
    ("host-empty", '{{ getHostByName "" }}'),
    ("host-int", "{{ getHostByName 1 }}"),
]


def crypto_cases() -> list[tuple[str, str, Any, str]]:
    return [
        (f"crypto-{id_}", template, CRYPTO_DATA, "error")
        for id_, template in DERIVE + AES + HASHES + KEYS + CERTS + NETWORK
    ]
