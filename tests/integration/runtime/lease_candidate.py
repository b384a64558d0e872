"""A leader-election candidate process for the lease tests.

Usage: python lease_candidate.py KUBECONFIG NAMESPACE LEASE IDENTITY

Prints ``WAITING`` once its first attempt finds the Lease held by another, ``LEADING`` when it
becomes leader, and leads until SIGTERM (then releases the Lease and prints ``RELEASED``).
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from navarch.kube import Client, load_kubeconfig
from navarch.runtime import LeaderElector


async def main(kubeconfig: str, namespace: str, lease: str, identity: str) -> None:
    config = load_kubeconfig(Path(kubeconfig)).cluster_config()
    async with Client(config) as client:
        elector = LeaderElector(
            client,
            namespace=namespace,
            name=lease,
            identity=identity,
            lease_duration=3.0,
            renew_deadline=2.0,
            retry_period=0.25,
        )
        if not await elector.try_acquire_or_renew():
            print("WAITING", flush=True)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)

        async def lead() -> None:
            print("LEADING", flush=True)
            await stop.wait()

        await elector.run(lead)
        print("RELEASED", flush=True)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
