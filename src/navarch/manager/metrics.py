"""The manager's Prometheus metrics, served on ``--metrics-bind-address`` (off by default).

A scrape endpoint needs one path and one content type, so this is a few lines on asyncio's
streams rather than a web framework: ``GET /metrics`` answers the text exposition format,
anything else 404. Metrics are computed at scrape time from counters the controllers keep:

- ``projectsveltos_total_drifts{cluster_namespace,cluster_name}``: drift repairs per cluster
  (Sveltos's metric of that name);
- ``navarch_reconcile_total{controller}`` and ``navarch_reconcile_errors_total{controller}``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable

from navarch import log

_log = log.get_logger(__name__)

Sample = tuple[str, dict[str, str], float]  # (metric name, labels, value)


def exposition(samples: Iterable[Sample], help_: dict[str, str]) -> str:
    """Prometheus text format: HELP and TYPE (counter) once per metric, then its samples."""
    lines: list[str] = []
    seen: set[str] = set()
    for name, labels, value in samples:
        if name not in seen:
            seen.add(name)
            lines.append(f"# HELP {name} {help_.get(name, name)}")
            lines.append(f"# TYPE {name} counter")
        rendered = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
        lines.append(f"{name}{{{rendered}}} {value:g}" if rendered else f"{name} {value:g}")
    return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


async def serve(address: str, render: Callable[[], str]) -> None:
    """Serve ``render()`` at ``http://address/metrics`` until cancelled."""
    host, _, port = address.rpartition(":")

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = (await reader.readline()).decode("latin-1").split()
            while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                pass  # headers: not needed
            if len(request) >= 2 and request[0] == "GET" and request[1].split("?")[0] == "/metrics":
                status, body = "200 OK", render().encode()
            else:
                status, body = "404 Not Found", b"not found; try /metrics\n"
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    server = await asyncio.start_server(handle, host or "0.0.0.0", int(port))
    _log.info("metrics served", address=address)
    async with server:
        await server.serve_forever()
