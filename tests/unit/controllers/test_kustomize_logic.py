"""Which kustomizationRefs Navarch refuses (and says why), and what the feature hash covers."""

from __future__ import annotations

from navarch.api.profile import KustomizationRef, Spec
from navarch.controllers.kustomize import feature_hash, problem


def ref(**fields: object) -> KustomizationRef:
    return KustomizationRef.parse({"kind": "ConfigMap", "name": "k", "path": "base", **fields})


def test_configmap_and_secret_refs_are_accepted() -> None:
    assert problem(0, ref()) is None
    assert problem(0, ref(kind="Secret", components=["../c"], targetNamespace="t")) is None


def test_flux_sources_remote_urls_and_templated_names_are_named() -> None:
    flux = problem(2, ref(kind="GitRepository"))
    assert flux is not None and flux.startswith("kustomizationRefs[2]: GitRepository is a Flux")
    remote = problem(0, ref(kind=None, remoteURL={"url": "https://example.com/t.tar.gz"}))
    assert remote is not None and "remoteURL sources are not supported" in remote
    # values and templated paths are rendered (controllers.templates); templated names are not
    assert problem(0, ref(values={"Region": "east"})) is None
    assert problem(0, ref(path="{{ .Cluster.metadata.name }}", components=["{{ x }}"])) is None
    templated = problem(1, ref(name="tree-{{ .Cluster.metadata.name }}"))
    assert templated == "kustomizationRefs[1]: templated name are not supported by Navarch yet"


def test_the_hash_follows_the_refs_and_the_source_content() -> None:
    spec = Spec.parse({"kustomizationRefs": [ref().dump()]})
    sources = [("ConfigMap", "default", "k", "digest-1")]
    base = feature_hash(spec, sources)
    assert feature_hash(spec, list(sources)) == base
    assert feature_hash(spec, [("ConfigMap", "default", "k", "digest-2")]) != base
    moved = Spec.parse({"kustomizationRefs": [ref(targetNamespace="other").dump()]})
    assert feature_hash(moved, sources) != base
