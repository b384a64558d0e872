"""Error responses become typed errors that carry the server's message and the operation."""

from __future__ import annotations

import pytest

from navarch.kube import errors


@pytest.mark.parametrize(
    ("code", "reason", "expected"),
    [
        (404, "NotFound", errors.NotFound),
        (409, "AlreadyExists", errors.AlreadyExists),
        (409, "Conflict", errors.Conflict),
        (410, "Expired", errors.Gone),
        (500, "Expired", errors.Gone),  # a watch ERROR event may carry Expired with another code
        (422, "Invalid", errors.Invalid),
        (403, "Forbidden", errors.Forbidden),
        (401, "Unauthorized", errors.Unauthorized),
        (429, "TooManyRequests", errors.TooManyRequests),
        (503, "ServiceUnavailable", errors.ServerError),
        (418, "", errors.APIStatusError),
    ],
)
def test_codes_and_reasons_map_to_types(
    code: int, reason: str, expected: type[errors.APIStatusError]
) -> None:
    error = errors.from_status(
        code, {"reason": reason, "message": "m"}, cluster="c", operation="op"
    )
    assert type(error) is expected
    assert error.code == code


def test_message_names_cluster_operation_and_server_text() -> None:
    error = errors.from_status(
        422,
        {
            "reason": "Invalid",
            "message": 'ConfigMap "Bad" is invalid',
            "details": {"causes": [{"field": "metadata.name", "message": "bad"}]},
        },
        cluster="cluster-1",
        operation="create ConfigMap default/Bad",
    )
    assert str(error) == 'cluster-1: create ConfigMap default/Bad: ConfigMap "Bad" is invalid'
    assert isinstance(error, errors.Invalid)
    assert error.causes == [{"field": "metadata.name", "message": "bad"}]


def test_body_without_status_falls_back_to_text() -> None:
    error = errors.from_status(502, None, cluster="c", operation="get x", fallback="bad gateway")
    assert isinstance(error, errors.ServerError)
    assert str(error).endswith("bad gateway")
