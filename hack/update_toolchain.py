"""Regenerate the wrapper Go modules under src/navarch/toolchain/modules from the pins.

Run after changing a version in src/navarch/toolchain/pins.py, then commit the result:

    .venv/bin/python hack/update_toolchain.py

It asks the Go module proxy (through `go mod download`) for the pinned k8s.io/kubernetes go.mod,
writes each wrapper's go.mod and Go file, and runs `go mod tidy` to write go.sum.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from navarch.toolchain import wrapper
from navarch.toolchain.install import _go_env
from navarch.toolchain.pins import KUBERNETES_VERSION

MODULES = Path(__file__).resolve().parent.parent / "src" / "navarch" / "toolchain" / "modules"


def go(*args: str, cwd: Path | None = None) -> str:
    return subprocess.run(
        ["go", *args],
        cwd=cwd,
        env=_go_env() | {"GOFLAGS": ""},
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def write(name: str, files: dict[str, str]) -> None:
    target = MODULES / name
    target.mkdir(parents=True, exist_ok=True)
    for old in target.iterdir():
        old.unlink()
    for filename, text in files.items():
        (target / filename).write_text(text)
    go("mod", "tidy", cwd=target)
    print(f"wrote {target}")


def main() -> None:
    info = json.loads(go("mod", "download", "-json", f"k8s.io/kubernetes@{KUBERNETES_VERSION}"))
    upstream = Path(info["GoMod"]).read_text()
    print("staging modules:", " ".join(wrapper.staging_modules(upstream)))
    write(
        "kubernetes",
        {
            "go.mod": wrapper.kubernetes_go_mod(upstream),
            "tools.go": wrapper.kubernetes_tools_go(),
        },
    )
    write("etcd", {"go.mod": wrapper.etcd_go_mod(), "main.go": wrapper.etcd_main_go()})
    write("helm", {"go.mod": wrapper.helm_go_mod(), "tools.go": wrapper.helm_tools_go()})


if __name__ == "__main__":
    main()
