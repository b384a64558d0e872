"""Profile and ClusterSummary decisions without a server: matching, rollout, dependencies."""

from __future__ import annotations

from typing import Any

from navarch.api.profile import Spec
from navarch.controllers.clustersummary import (
    Context,
    dependency_problem,
    retry,
    retry_after,
    unsupported,
)
from navarch.controllers.profile import (
    batch_delay,
    dependents_of,
    matching_clusters,
    max_update_limit,
    progress_interval,
    provisioned,
)


def cluster(ns: str, name: str, ready: bool = True, **labels: str) -> dict[str, Any]:
    return {
        "metadata": {"namespace": ns, "name": name, "labels": labels},
        "status": {"ready": ready},
    }


CLUSTERS = [
    cluster("a", "one", env="prod"),
    cluster("b", "two", env="prod"),
    cluster("a", "down", ready=False, env="prod"),
    cluster("a", "dev", env="dev"),
]


def names(refs: list[Any]) -> list[str]:
    return [f"{r.namespace}/{r.name}" for r in refs]


def test_matching_for_cluster_profiles_and_profiles() -> None:
    spec = Spec.parse(
        {
            "clusterSelector": {"matchLabels": {"env": "prod"}},
            "clusterRefs": [{"kind": "SveltosCluster", "namespace": "b", "name": "pinned"}],
            "setRefs": ["pool"],
        }
    )
    sets = {"pool": {"status": {"selectedClusterRefs": [{"namespace": "c", "name": "picked"}]}}}
    assert names(
        matching_clusters(spec, kind="ClusterProfile", namespace="", clusters=CLUSTERS, sets=sets)
    ) == ["a/one", "b/pinned", "b/two", "c/picked"]
    assert names(
        matching_clusters(spec, kind="Profile", namespace="a", clusters=CLUSTERS, sets=sets)
    ) == ["a/one"]
    empty = Spec.parse({"clusterSelector": {}})
    assert (
        matching_clusters(empty, kind="ClusterProfile", namespace="", clusters=CLUSTERS, sets={})
        == []
    )


def test_max_update() -> None:
    assert max_update_limit(None, 10) is None
    assert max_update_limit("100%", 10) is None
    assert max_update_limit("10%", 10) == 1
    assert max_update_limit("25%", 10) == 3, "rounded up"
    assert max_update_limit("1%", 3) == 1, "at least one"
    assert max_update_limit(2, 10) == 2
    assert max_update_limit("3", 10) == 3


def test_dependents_are_found_transitively() -> None:
    peers = {
        "a": {"spec": {}},
        "b": {"spec": {"dependsOn": ["a"]}},
        "c": {"spec": {"dependsOn": ["b"]}},
        "d": {"spec": {}},
    }
    assert dependents_of("a", peers) == {"b", "c"}
    assert dependents_of("d", peers) == set()


def summary(features: list[dict[str, str]], **spec: Any) -> dict[str, Any]:
    return {"spec": {"clusterProfileSpec": spec}, "status": {"featureSummaries": features}}


def test_provisioned_needs_every_feature_of_the_spec() -> None:
    done = [{"featureID": "Resources", "status": "Provisioned"}]
    assert provisioned(summary(done, policyRefs=[{"kind": "ConfigMap", "name": "x"}]))
    assert not provisioned(summary(done, helmCharts=[{"releaseName": "r"}]))
    assert not provisioned(
        summary([{"featureID": "Resources", "status": "Failed"}], policyRefs=[{}])
    )


def ctx(name: str, depends: list[str]) -> Context:
    return Context(
        summary={},
        spec=Spec.parse({"dependsOn": depends}),
        profile_kind="ClusterProfile",
        profile_name=name,
        cluster_namespace="ns",
        cluster_name="c",
    )


def test_dependency_waits_and_cycles() -> None:
    done = summary(
        [{"featureID": "Resources", "status": "Provisioned"}], policyRefs=[{}], dependsOn=[]
    )
    busy = summary([{"featureID": "Resources", "status": "Provisioning"}], policyRefs=[{}])
    assert dependency_problem(ctx("b", ["a"]), {}) == (
        "waiting for ClusterProfile a to be deployed on this cluster"
    )
    assert "to be provisioned" in str(dependency_problem(ctx("b", ["a"]), {"a": busy}))
    assert dependency_problem(ctx("b", ["a"]), {"a": done}) is None
    looping = summary(
        [{"featureID": "Resources", "status": "Provisioned"}], policyRefs=[{}], dependsOn=["b"]
    )
    problem = dependency_problem(ctx("b", ["a"]), {"a": looping})
    assert problem is not None and problem.startswith("dependency cycle: b -> a -> b")


def test_fields_not_acted_on_are_named() -> None:
    spec = Spec.parse(
        {
            "policyRefs": [{"kind": "ConfigMap", "namespace": "d", "name": "n"}],
            "helmCharts": [
                {
                    "repositoryURL": "https://charts.example",
                    "repositoryName": "example",
                    "chartName": "example/app",
                    "chartVersion": "1.0.0",
                    "releaseName": "app",
                    "releaseNamespace": "app",
                }
            ],
            "patches": [{"patch": "- op: add\n  path: /metadata/labels/x\n  value: y"}],
            "reloader": True,
        }
    )
    # helmCharts and patches are acted on: only what is not supported is named
    assert unsupported(spec) == ["reloader"]
    spec.helm_charts[0].repository_url = "oci://registry/charts"  # type: ignore[index]
    assert unsupported(spec) == ["reloader"]  # OCI is supported
    spec.helm_charts[0].repository_url = "bucket://flux/b/charts"  # type: ignore[index]
    assert unsupported(spec) == ["reloader", "app: repositoryURL bucket://"]
    assert unsupported(Spec.parse({"policyRefs": [{"kind": "ConfigMap", "name": "n"}]})) == []


def test_retries_back_off_and_stop_at_max_consecutive_failures() -> None:
    assert [retry_after(n) for n in (1, 2, 3)] == [5.0, 10.0, 20.0]
    assert retry_after(50) == 300.0
    forever = Spec.parse({})
    assert retry(forever, 1000) is not None
    limited = Spec.parse({"maxConsecutiveFailures": 3})
    first = retry(limited, 2)
    assert first is not None and first.after == 10.0
    assert retry(limited, 3) is None


def test_an_event_re_reads_a_small_profile_at_once_and_a_large_one_batched() -> None:
    assert batch_delay(0) == 0.0
    assert batch_delay(10) < 0.01  # each maxUpdate wave of a small fleet starts at once
    assert batch_delay(1000) == 0.5  # a thousand clusters: one reconcile per half second
    assert batch_delay(100_000) == 0.5


def test_rollout_progress_is_written_at_a_pace_that_grows_with_the_profile() -> None:
    assert progress_interval(3) < 0.02  # a small fleet's status follows each wave
    assert progress_interval(1000) == 5.0  # two entries per cluster: at most every 5 s
    assert progress_interval(100_000) == 5.0
