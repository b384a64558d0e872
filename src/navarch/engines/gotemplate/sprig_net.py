"""Sprig's ``getHostByName``: a DNS lookup inside a template, bounded in time.

Sprig calls net.LookupHost and returns one of the addresses at random (IPv4 or IPv6, as
text); an IP literal is returned as given, without a lookup. When nothing is found Sprig's
``rand.Intn(0)`` panics and the template fails with ``invalid argument to Intn``; so do we.

Templates render synchronously, and the controllers render them on the asyncio event loop's
thread, so a lookup must not hang there: it runs in a small pool of resolver threads and the
template waits at most ``LOOKUP_TIMEOUT`` seconds (a lookup that takes longer fails the
template, like a failed lookup). Answers are kept for ``CACHE_SECONDS``, so a fleet of
clusters rendering the same template costs one lookup, not one per cluster, and an unchanged
answer never re-blocks the loop. A lookup still running after its timeout is not started
again by the next caller: the next caller waits on the same one.
"""

from __future__ import annotations

import concurrent.futures
import ipaddress
import random
import socket
import threading
import time

from navarch.engines.gotemplate.funcs import FuncError, GoFunc

LOOKUP_TIMEOUT = 2.0
CACHE_SECONDS = 30.0

_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="gethostbyname")
_LOCK = threading.Lock()
_PENDING: dict[str, concurrent.futures.Future[list[str]]] = {}
_CACHE: dict[str, tuple[float, list[str]]] = {}


def _resolve(name: str) -> list[str]:
    try:
        infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def _is_ip_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def lookup_host(name: str, timeout: float = LOOKUP_TIMEOUT) -> list[str]:
    """net.LookupHost's addresses for ``name`` ([] when none or too slow)."""
    if _is_ip_literal(name):
        return [name]
    if not name:
        return []
    now = time.monotonic()
    with _LOCK:
        cached = _CACHE.get(name)
        if cached is not None and cached[0] > now:
            return cached[1]
        future = _PENDING.get(name)
        if future is None:
            future = _POOL.submit(_resolve, name)
            _PENDING[name] = future
    try:
        addresses = future.result(timeout=timeout)
    except concurrent.futures.TimeoutError:
        return []
    with _LOCK:
        if _PENDING.get(name) is future:
            del _PENDING[name]
            now = time.monotonic()
            if len(_CACHE) >= 1024:  # names come from templates: few, but never unbounded
                for stale in [k for k, (expiry, _) in _CACHE.items() if expiry <= now]:
                    del _CACHE[stale]
                if len(_CACHE) >= 1024:
                    _CACHE.clear()
            _CACHE[name] = (now + CACHE_SECONDS, addresses)
    return addresses


def _get_host_by_name(name: str) -> str:
    addresses = lookup_host(name)
    if not addresses:
        raise FuncError("invalid argument to Intn")
    return random.choice(addresses)


FUNCS: dict[str, GoFunc] = {
    "getHostByName": GoFunc("getHostByName", _get_host_by_name, ("string",)),
}
