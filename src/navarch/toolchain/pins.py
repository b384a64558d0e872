"""The exact upstream versions Navarch builds, and which binary comes from which build.

Everything the local fleet and the engines run (kube-apiserver, kube-controller-manager, kubectl,
etcd, helm) is built here from Go modules, because this project may only reach package
registries: no release tarball, no container image. Each *build* is one Go wrapper module kept
under ``toolchain/modules/<build>/`` with a committed ``go.sum``, so a build is reproducible and
its dependencies are verified against the checksum database; one ``go build`` per wrapper yields
all of that build's binaries (the three Kubernetes commands share almost every package, so
building them together costs little more than building kube-apiserver alone).

To move to another version: change the pin here, run ``python hack/update_toolchain.py`` (which
regenerates the wrapper modules) and commit both.
"""

from __future__ import annotations

from dataclasses import dataclass

KUBERNETES_VERSION = "v1.37.2"
ETCD_VERSION = "v3.6.16"
HELM_VERSION = "v4.3.1"

# The oldest Go that builds every wrapper module (the highest `go` directive among them).
GO_MIN_VERSION = (1, 26)


@dataclass(frozen=True)
class Build:
    """One wrapper module and the main packages it builds, each into a binary of the same name."""

    name: str
    version: str
    packages: tuple[str, ...]
    # The Go packages whose string variables carry the version (set with -ldflags -X).
    ldflags: tuple[str, ...]

    def binaries(self) -> tuple[str, ...]:
        return tuple(p.rsplit("/", 1)[-1] for p in self.packages)


def _kubernetes_ldflags(version: str) -> tuple[str, ...]:
    major, minor = version.lstrip("v").split(".")[:2]
    flags: list[str] = []
    # component-base is what /version and --version read; client-go's copy is what kubectl
    # reports as its client version and sends in its User-Agent.
    for pkg in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        flags += [
            f"{pkg}.gitVersion={version}",
            f"{pkg}.gitMajor={major}",
            f"{pkg}.gitMinor={minor}",
            f"{pkg}.gitTreeState=clean",
        ]
    return tuple(flags)


KUBERNETES = Build(
    name="kubernetes",
    version=KUBERNETES_VERSION,
    packages=(
        "k8s.io/kubernetes/cmd/kube-apiserver",
        "k8s.io/kubernetes/cmd/kube-controller-manager",
        "k8s.io/kubernetes/cmd/kubectl",
    ),
    ldflags=_kubernetes_ldflags(KUBERNETES_VERSION),
)

ETCD = Build(
    name="etcd",
    version=ETCD_VERSION,
    # The wrapper's own main package (it calls etcdmain.Main), built as `etcd`.
    packages=("navarch.local/etcd",),
    ldflags=(),
)

HELM = Build(
    name="helm",
    version=HELM_VERSION,
    packages=("helm.sh/helm/v4/cmd/helm",),
    ldflags=(
        f"helm.sh/helm/v4/internal/version.version={HELM_VERSION}",
        "helm.sh/helm/v4/internal/version.gitTreeState=clean",
    ),
)

BUILDS: tuple[Build, ...] = (KUBERNETES, ETCD, HELM)


@dataclass(frozen=True)
class Binary:
    """A binary the project needs: where it comes from and how to ask it for its version."""

    name: str
    build: Build
    version_args: tuple[str, ...]

    @property
    def env_var(self) -> str:
        """The environment variable that points at a binary of the user's choice instead."""
        return "NAVARCH_" + self.name.upper().replace("-", "_")

    @property
    def expected_version(self) -> str:
        return self.build.version


BINARIES: dict[str, Binary] = {
    b.name: b
    for b in (
        Binary("kube-apiserver", KUBERNETES, ("--version",)),
        Binary("kube-controller-manager", KUBERNETES, ("--version",)),
        Binary("kubectl", KUBERNETES, ("version", "--client")),
        Binary("etcd", ETCD, ("--version",)),
        Binary("helm", HELM, ("version", "--template", "{{.Version}}")),
    )
}
