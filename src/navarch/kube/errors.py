"""Typed errors for everything that can go wrong talking to a cluster.

Callers decide by type, never by parsing text: a reconciler treats ``NotFound`` as "nothing to
do", ``Conflict`` as "re-read and retry", ``Invalid`` as a user error to put in status, and
``Unreachable`` as a transient condition that must never be taken for "the object is gone".

Every message names the cluster and the operation and carries the API server's own message
(which is what a user can act on), and never a credential: the errors are built from the
request's method, path and the server's Status object only, never from headers or kubeconfig
content.
"""

from __future__ import annotations

from typing import Any


class KubeError(Exception):
    """Base of every error raised by navarch.kube."""

    def __init__(
        self,
        message: str,
        *,
        cluster: str = "",
        operation: str = "",
        code: int | None = None,
        reason: str = "",
        details: dict[str, Any] | None = None,
    ) -> None:
        self.cluster = cluster
        self.operation = operation
        self.code = code
        self.reason = reason
        self.details = details or {}
        self.server_message = message
        prefix = ": ".join(p for p in (cluster, operation) if p)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class Unreachable(KubeError):
    """The API server did not answer (connection refused or reset, DNS, TLS, timeout)."""


class RequestTimeout(Unreachable):
    """The call did not finish within its deadline."""


class KubeconfigError(KubeError):
    """A kubeconfig does not parse or does not say how to reach and authenticate to a cluster."""


class UnknownKind(KubeError):
    """The cluster serves no resource for this apiVersion and kind (e.g. its CRD is missing)."""


class APIStatusError(KubeError):
    """The server answered with an error Status."""


class BadRequest(APIStatusError):
    pass


class Unauthorized(APIStatusError):
    pass


class Forbidden(APIStatusError):
    pass


class NotFound(APIStatusError):
    pass


class MethodNotAllowed(APIStatusError):
    pass


class Conflict(APIStatusError):
    """A write lost a race (stale resourceVersion) or a server-side apply hit a field conflict."""


class AlreadyExists(Conflict):
    pass


class Gone(APIStatusError):
    """410: the resourceVersion asked for is too old (compacted); list again, then watch."""


class Invalid(APIStatusError):
    """422: the object does not validate. ``causes`` lists the fields and what is wrong."""

    @property
    def causes(self) -> list[dict[str, Any]]:
        causes = self.details.get("causes")
        return causes if isinstance(causes, list) else []


class TooManyRequests(APIStatusError):
    pass


class ServerError(APIStatusError):
    """5xx: the server failed; usually transient."""


_BY_CODE: dict[int, type[APIStatusError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    409: Conflict,
    410: Gone,
    422: Invalid,
    429: TooManyRequests,
}


def from_status(
    code: int, status: dict[str, Any] | None, *, cluster: str, operation: str, fallback: str = ""
) -> APIStatusError:
    """Turn an error response (its code and decoded Status body, if any) into a typed error."""
    status = status if isinstance(status, dict) else {}
    reason = str(status.get("reason") or "")
    message = str(status.get("message") or fallback or f"HTTP {code}")
    details = status.get("details") if isinstance(status.get("details"), dict) else None
    if code == 409 and reason == "AlreadyExists":
        cls: type[APIStatusError] = AlreadyExists
    elif code >= 500:
        cls = ServerError
    else:
        cls = _BY_CODE.get(code, APIStatusError)
    # The watch stream reports expiry as an ERROR event whose Status has code 410 and reason
    # Expired (or Gone); both mean the same to a caller.
    if reason in ("Expired", "Gone"):
        cls = Gone
    return cls(
        message, cluster=cluster, operation=operation, code=code, reason=reason, details=details
    )
