"""``kubectl kustomize`` through the engine: overlays, components, errors, and the build cache.

Runs the pinned kubectl; no cluster is needed.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from navarch.engines.kustomize import Kustomize, KustomizeError
from navarch.toolchain import binary_path
from tests.kustomizetree import hello_tree, packed


@pytest.fixture
def engine(tmp_path: Path) -> Kustomize:
    return Kustomize(binary_path("kubectl"), tmp_path)


def _names(objects: list[dict]) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return sorted((o["kind"], o["metadata"]["name"]) for o in objects)


async def test_an_overlay_builds_with_its_prefix_and_patch(
    engine: Kustomize, tmp_path: Path
) -> None:
    archive = packed(hello_tree(tmp_path / "src"))
    objects = await engine.build(archive, "./overlays/production/", [], "ConfigMap ns/k")
    assert _names(objects) == [
        ("ConfigMap", "production-the-map"),
        ("Deployment", "production-the-deployment"),
        ("Service", "production-the-service"),
    ]
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    assert deployment["spec"]["replicas"] == 3


async def test_components_are_added_to_the_build(engine: Kustomize, tmp_path: Path) -> None:
    archive = packed(hello_tree(tmp_path / "src"))
    objects = await engine.build(
        archive, "overlays/staging", ["../../components/monitoring"], "here"
    )
    assert ("ConfigMap", "staging-staging-only") in _names(objects)
    assert all(o["metadata"]["labels"]["monitoring"] == "enabled" for o in objects)


async def test_the_same_tree_builds_once_even_when_asked_concurrently(
    engine: Kustomize, tmp_path: Path
) -> None:
    archive = packed(hello_tree(tmp_path / "src"))
    results = await asyncio.gather(
        *(engine.build(archive, "overlays/production", [], "here") for _ in range(5))
    )
    assert engine.builds == 1
    assert all(r == results[0] for r in results)
    other = packed(hello_tree(tmp_path / "src2", **{"base/map.yaml": None}))
    # the base now lists a file that is missing: a different archive, built (and failing) anew
    with pytest.raises(KustomizeError):
        await engine.build(other, "overlays/production", [], "here")
    assert engine.builds == 2


async def test_a_missing_path_lists_the_directories_there_are(
    engine: Kustomize, tmp_path: Path
) -> None:
    archive = packed(hello_tree(tmp_path / "src"))
    with pytest.raises(KustomizeError) as err:
        await engine.build(archive, "overlays/prod", [], "ConfigMap ns/k")
    message = str(err.value)
    assert "path 'overlays/prod' is not a directory" in message
    assert "overlays/production" in message and "base" in message


async def test_a_missing_component_is_named(engine: Kustomize, tmp_path: Path) -> None:
    archive = packed(hello_tree(tmp_path / "src"))
    with pytest.raises(KustomizeError, match=re.escape("component '../../components/nope'")):
        await engine.build(archive, "overlays/staging", ["../../components/nope"], "here")


async def test_a_kustomize_error_is_passed_on_without_temporary_paths(
    engine: Kustomize, tmp_path: Path
) -> None:
    archive = packed(
        hello_tree(tmp_path / "src", **{"base/kustomization.yaml": "resources:\n- nothere.yaml\n"})
    )
    with pytest.raises(KustomizeError) as err:
        await engine.build(archive, "base", [], "ConfigMap ns/k")
    message = str(err.value)
    assert message.startswith("ConfigMap ns/k: kustomize build failed:")
    assert "nothere.yaml" in message
    assert "navarch-kustomize-" not in message


async def test_files_outside_the_kustomization_directory_are_refused_with_a_hint(
    engine: Kustomize, tmp_path: Path
) -> None:
    archive = packed(
        hello_tree(
            tmp_path / "src",
            **{
                "base/kustomization.yaml": (
                    "resources:\n- deployment.yaml\nconfigMapGenerator:\n- name: leak\n"
                    "  files:\n  - ../secret.txt\n"
                ),
                "secret.txt": "do not read me",
            },
        )
    )
    with pytest.raises(KustomizeError, match="default load restrictor"):
        await engine.build(archive, "base", [], "here")
