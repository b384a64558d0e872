"""`navarch local up/status/stop/start/down` as a user runs them, with kubectl against the fleet."""

from __future__ import annotations

import json
import re
import socket
import subprocess
from pathlib import Path

import psutil
import pytest

from navarch.toolchain import binary_path
from navarch.toolchain.pins import KUBERNETES_VERSION
from tests.cli import navarch
from tests.e2e.conftest import processes_using

pytestmark = pytest.mark.e2e


def status(state_dir: Path) -> dict[str, dict[str, object]]:
    result = navarch("local", "status", "--state-dir", str(state_dir), "-o", "json")
    assert result.code == 0, result.stderr
    return {c["name"]: c for c in json.loads(result.stdout)["clusters"]}


def test_up_kubectl_idempotent_up_stop_start_and_down(state_dir: Path) -> None:
    up = navarch("local", "up", "--clusters", "3", "--state-dir", str(state_dir))
    assert up.code == 0, up.stderr
    for name in ("mgmt", "cluster-1", "cluster-2", "cluster-3"):
        assert name in up.stdout

    kubectl = subprocess.run(
        [
            str(binary_path("kubectl")),
            "--kubeconfig",
            str(state_dir / "kubeconfig"),
            "--context",
            "cluster-2",
            "get",
            "ns",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert kubectl.returncode == 0, kubectl.stderr
    assert "kube-system" in kubectl.stdout

    version = navarch(
        "--context", "cluster-3", "version", env={"KUBECONFIG": str(state_dir / "kubeconfig")}
    )
    assert version.code == 0, version.stderr
    assert "management cluster cluster-3 (https://127.0.0.1:" in version.stdout
    assert f"Kubernetes {KUBERNETES_VERSION}" in version.stdout

    unprepared = navarch(
        "register",
        "cluster",
        "--namespace",
        "fleet",
        "--cluster",
        "early",
        "--kubeconfig",
        str(state_dir / "kubeconfigs" / "cluster-1.yaml"),
        env={"KUBECONFIG": str(state_dir / "kubeconfig")},
    )
    assert "does not serve SveltosCluster: run `navarch install` first" in (
        unprepared.one_line_error()
    )

    first = status(state_dir)
    assert set(first) == {"mgmt", "cluster-1", "cluster-2", "cluster-3"}
    for cluster in first.values():
        assert cluster["ready"] is True
        assert cluster["version"] == KUBERNETES_VERSION
        assert cluster["apiserverPid"] and cluster["controllerManagerPid"]

    # a second up reuses everything; a larger N only adds
    again = navarch("local", "up", "--clusters", "4", "--state-dir", str(state_dir))
    assert again.code == 0, again.stderr
    second = status(state_dir)
    for name, cluster in first.items():
        assert second[name]["apiserverPid"] == cluster["apiserverPid"], f"{name} was restarted"
    assert second["cluster-4"]["ready"] is True

    # stop and start keep the endpoint; a taken port is one clear error
    assert navarch("local", "stop", "cluster-1", "--state-dir", str(state_dir)).code == 0
    stopped = status(state_dir)["cluster-1"]
    assert stopped["ready"] is False and stopped["apiserverPid"] is None
    port = int(str(first["cluster-1"]["endpoint"]).rsplit(":", 1)[1])
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        blocked = navarch("local", "start", "cluster-1", "--state-dir", str(state_dir))
    assert blocked.code == 1
    assert f"port 127.0.0.1:{port} of cluster-1's API server is taken" in blocked.one_line_error()
    assert navarch("local", "start", "cluster-1", "--state-dir", str(state_dir)).code == 0
    restarted = status(state_dir)["cluster-1"]
    assert restarted["ready"] is True and restarted["endpoint"] == first["cluster-1"]["endpoint"]

    pids = [
        int(p)
        for c in status(state_dir).values()
        for p in (c["apiserverPid"], c["controllerManagerPid"])
        if p
    ]
    assert len(pids) == 10
    down = navarch("local", "down", "--state-dir", str(state_dir))
    assert down.code == 0, down.stderr
    for pid in pids:
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert processes_using(state_dir) == []
    assert not state_dir.exists()


def test_unknown_option() -> None:
    result = navarch("local", "up", "--bogus")
    assert result.code == 2
    line = result.one_line_error()
    assert "No such option: --bogus" in line and "navarch local up --help" in line


def test_unwritable_state_dir(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = navarch("local", "up", "--clusters", "1", "--state-dir", str(blocker / "fleet"))
    line = result.one_line_error()
    assert f"cannot use {blocker / 'fleet'}" in line and "--state-dir" in line


def test_missing_binary_starts_nothing(state_dir: Path) -> None:
    result = navarch(
        "local",
        "up",
        "--clusters",
        "1",
        "--state-dir",
        str(state_dir),
        env={"NAVARCH_KUBE_APISERVER": "/nonexistent/kube-apiserver"},
    )
    line = result.one_line_error()
    assert "NAVARCH_KUBE_APISERVER=/nonexistent/kube-apiserver is not an executable" in line
    assert processes_using(state_dir) == []


def test_kubeconfig_that_does_not_parse(tmp_path: Path) -> None:
    bad = tmp_path / "kubeconfig"
    bad.write_text("clusters:\n- name: x\n  cluster: {server: [\n")
    result = navarch("version", env={"KUBECONFIG": str(bad)})
    line = result.one_line_error()
    assert f"kubeconfig {bad} is not valid YAML (line" in line


def test_status_without_a_fleet(tmp_path: Path) -> None:
    result = navarch("local", "status", "--state-dir", str(tmp_path / "none"))
    line = result.one_line_error()
    assert "no fleet in" in line and "navarch local up" in line


def test_a_cluster_that_fails_to_start_leaves_nothing_half_started(
    tmp_path: Path, state_dir: Path
) -> None:
    # An apiserver wrapper that refuses to start cluster-2 only (as a broken flag would).
    real = binary_path("kube-apiserver")
    wrapper = tmp_path / "kube-apiserver"
    wrapper.write_text(
        "#!/bin/sh\n"
        'case "$*" in *"/navarch/cluster-2 "*|*"/navarch/cluster-2") '
        'echo "refusing to start cluster-2 for the test" >&2; exit 1;; esac\n'
        f'exec {real} "$@"\n'
    )
    wrapper.chmod(0o755)
    result = navarch(
        "local",
        "up",
        "--clusters",
        "2",
        "--state-dir",
        str(state_dir),
        env={"NAVARCH_KUBE_APISERVER": str(wrapper)},
    )
    line = result.one_line_error()
    assert "cluster-2's kube-apiserver exited while starting" in line
    assert "refusing to start cluster-2" in line
    assert processes_using(state_dir) == [], "every process this up started is stopped again"


def test_install_is_idempotent_and_checks_versions() -> None:
    result = navarch("local", "install")
    assert result.code == 0, result.stderr
    for name in ("kube-apiserver", "kube-controller-manager", "kubectl", "etcd", "helm"):
        assert f"{name} " in result.stderr and "already installed" in result.stderr
    assert "compiling" not in result.stderr, "nothing is rebuilt when the versions match"


def demo_manager_pid(stderr: str) -> int:
    match = re.search(r"manager running \(pid (\d+)\)", stderr)
    assert match, stderr
    return int(match.group(1))


def gone(pid: int) -> bool:
    return not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_demo_registers_the_fleet_and_leaves_it_running(state_dir: Path) -> None:
    env = {"NAVARCH_FLEET_DIR": str(state_dir)}
    result = navarch("demo", "--clusters", "3", env=env)
    assert result.code == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines() if line.startswith("fleet ")]
    assert [r[:5] for r in rows] == [
        ["fleet", f"cluster-{i}", "true", "Healthy", KUBERNETES_VERSION] for i in (1, 2, 3)
    ]
    assert "env=staging" in rows[2][5]
    # relabelled to env=prod, cluster-3 gets the env=prod add-ons
    assert re.search(
        r"^label: cluster-3 env=staging -> env=prod; prod-baseline deployed there in [\d.]+ s$",
        result.stdout,
        re.M,
    )
    assert "env=prod" in rows[0][5]
    assert "--context cluster-1 get namespaces" in result.stdout
    manager = demo_manager_pid(result.stderr)
    assert not gone(manager), "the manager keeps running after the demo returns"
    listing = navarch("get", "clusters", env={"KUBECONFIG": str(state_dir / "kubeconfig")})
    assert listing.code == 0 and "cluster-3" in listing.stdout
    assert navarch("local", "down", env=env).code == 0
    assert gone(manager), "local down stops the demo's manager too"
    assert processes_using(state_dir) == []


def test_demo_exit_tears_everything_down(state_dir: Path) -> None:
    result = navarch("demo", "--clusters", "1", "--exit", env={"NAVARCH_FLEET_DIR": str(state_dir)})
    assert result.code == 0, result.stderr
    assert re.search(r"^fleet\s+cluster-1\s+true\s+Healthy", result.stdout, re.M)
    # the add-ons of the example profiles, as `show addons` lists them
    for row in (
        r":ConfigMap\s+platform\s+platform-settings\s+N/A",
        r":Namespace\s+platform\s+N/A",
        r":ServiceAccount\s+platform\s+deployer\s+N/A",
        r"helm chart\s+greeter\s+greeter\s+1\.0\.0",
        r":ResourceQuota\s+team-a\s+team-quota\s+N/A",
        r":ServiceAccount\s+team-a\s+ci-bot\s+N/A",
    ):
        assert re.search(rf"^fleet/cluster-1\s+{row}\s", result.stdout, re.M), row
    # the chart's templated values, rendered for the cluster
    assert "greeter on cluster-1: 'hello from cluster-1 (prod), fleet'" in result.stdout
    # a drift repaired, and how long it took
    repairs = re.findall(
        r"^drift: platform/platform-settings (edited|deleted) in cluster-1, repaired in (\d+) ms$",
        result.stdout,
        re.M,
    )
    assert [action for action, _ in repairs] == ["edited", "deleted"]
    assert "fleet removed" in result.stderr
    assert gone(demo_manager_pid(result.stderr))
    assert processes_using(state_dir) == []


def test_demo_says_when_the_chart_repository_port_is_taken(state_dir: Path) -> None:
    env = {"NAVARCH_FLEET_DIR": str(state_dir)}
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past runs' TIME_WAIT
        squatter.bind(("127.0.0.1", 8879))
        squatter.listen()
        result = navarch("demo", "--clusters", "1", "--exit", env=env)
    line = result.one_line_error()
    assert "port 127.0.0.1:8879 is in use by another program" in line
    assert "stop that program" in line
    assert navarch("local", "down", env=env).code == 0
    assert processes_using(state_dir) == []
