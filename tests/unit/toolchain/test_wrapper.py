"""Wrapper go.mod generation reads the staging modules from upstream's go.mod."""

from __future__ import annotations

from importlib import resources

from navarch.toolchain import wrapper
from navarch.toolchain.pins import KUBERNETES

UPSTREAM = """module k8s.io/kubernetes

go 1.26.0

godebug default=go1.26

require (
\tgithub.com/x/y v1.0.0
)

replace (
\tk8s.io/api => ./staging/src/k8s.io/api
\tk8s.io/client-go => ./staging/src/k8s.io/client-go
\tk8s.io/cri-streaming => ./staging/src/k8s.io/cri-streaming
)
"""


def test_every_staging_module_is_replaced_by_its_published_version() -> None:
    text = wrapper.kubernetes_go_mod(UPSTREAM, "v1.37.2")
    assert "require k8s.io/kubernetes v1.37.2" in text
    for module in ("k8s.io/api", "k8s.io/client-go", "k8s.io/cri-streaming"):
        assert f"\t{module} => {module} v0.37.2" in text
    assert "godebug default=go1.26" in text
    assert "go 1.26.0" in text


def test_committed_wrapper_matches_the_pins() -> None:
    modules = resources.files("navarch.toolchain") / "modules"
    go_mod = (modules / "kubernetes" / "go.mod").read_text()
    assert f"require k8s.io/kubernetes {KUBERNETES.version}" in go_mod
    staging = "v0." + KUBERNETES.version.lstrip("v").split(".", 1)[1]
    assert f"k8s.io/client-go => k8s.io/client-go {staging}" in go_mod
    for name in ("kubernetes", "etcd", "helm"):
        assert (modules / name / "go.sum").read_text(), f"{name} has a go.sum"


def test_version_stamp_flags_cover_both_version_packages() -> None:
    flags = set(KUBERNETES.ldflags)
    for pkg in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        assert f"{pkg}.gitVersion={KUBERNETES.version}" in flags
        assert f"{pkg}.gitMajor=1" in flags
