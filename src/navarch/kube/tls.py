"""TLS contexts for cluster connections, built once per distinct set of credentials.

An ``ssl.SSLContext`` holding a CA bundle and a client key costs tens of kilobytes and a few
milliseconds to build. A fleet of hundreds of registrations often points at few API servers with
the same credentials, so contexts are cached by a digest of (CA, certificate, key, verify mode):
a thousand connections with the same credentials share one context.

Each context is for one use, ``alpn`` (the protocols offered): httpcore sets a context's ALPN
protocols before each of its connections (h2 or not), so a context shared between httpx and
kube/http1.py could offer h2 to a connection that then speaks HTTP/1.1 text, and the server
hangs up. The HTTP/1.1 pool asks for a context of its own, fixed to ``http/1.1``.

Python's ``ssl`` loads a client certificate and key only from files, so they are written to a
private temporary directory (mode 0700, files 0600), loaded, and removed at once.
"""

from __future__ import annotations

import hashlib
import os
import ssl
import tempfile

from navarch.kube.errors import KubeconfigError
from navarch.kube.kubeconfig import ClusterConfig

_CONTEXTS: dict[str, ssl.SSLContext] = {}


def ssl_context(config: ClusterConfig, *, alpn: tuple[str, ...] = ()) -> ssl.SSLContext:
    """The context for ``config``'s credentials; with ``alpn``, one offering just those."""
    digest = hashlib.sha256()
    for part in (config.ca_data, config.client_cert_data, config.client_key_data):
        digest.update(part or b"-")
        digest.update(b"\0")
    digest.update(b"insecure" if config.insecure_skip_tls_verify else b"verify")
    key = digest.hexdigest() + "/" + ",".join(alpn)
    context = _CONTEXTS.get(key)
    if context is None:
        context = _build(config)
        if alpn:
            context.set_alpn_protocols(list(alpn))
        _CONTEXTS[key] = context
    return context


def _build(config: ClusterConfig) -> ssl.SSLContext:
    where = f"cluster {config.name}"
    if config.insecure_skip_tls_verify:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        try:
            if config.ca_data:
                context = ssl.create_default_context(cadata=config.ca_data.decode())
            else:
                context = ssl.create_default_context()
        except (ssl.SSLError, ValueError, UnicodeDecodeError):
            raise KubeconfigError(
                f"{where}: the certificate authority is not a valid PEM certificate"
            ) from None
    if config.client_cert_data or config.client_key_data:
        if not (config.client_cert_data and config.client_key_data):
            raise KubeconfigError(
                f"{where}: a client certificate needs both its certificate and its key"
            )
        with tempfile.TemporaryDirectory(prefix="navarch-tls-") as tmp:
            cert_path = os.path.join(tmp, "client.crt")
            key_path = os.path.join(tmp, "client.key")
            for path, data in (
                (cert_path, config.client_cert_data),
                (key_path, config.client_key_data),
            ):
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
            try:
                context.load_cert_chain(cert_path, key_path)
            except ssl.SSLError:
                raise KubeconfigError(
                    f"{where}: the client certificate and key are not a valid PEM pair"
                ) from None
    return context
