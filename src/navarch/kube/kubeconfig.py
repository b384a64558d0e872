"""Read and write kubeconfig files: how to reach one cluster and who to be there.

A kubeconfig is parsed into a ``ClusterConfig`` per context: the server URL, the CA to trust and
the credentials (client certificate and key, or a bearer token, or a token file that is re-read
as it rotates). Certificate and key files named by path are read at load time, relative to the
kubeconfig's own directory as kubectl does, so a ``ClusterConfig`` is self-contained and can be
handed to a connection without touching the file system again.

Secrets never leave this module in text: ``ClusterConfig`` hides them from ``repr``, and every
error names the file, the context and the field, never a value. A YAML error is reported by line
and column only, because the parser's own message quotes the offending text, which may be a key.

``$KUBECONFIG`` may list several files; as kubectl does, the first file that defines a name
wins and the first ``current-context`` set is used.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from navarch.kube.errors import KubeconfigError

# libyaml when PyYAML has it (same results, ~10x faster): the manager parses the kubeconfig of
# every registered cluster at each probe
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class ClusterConfig:
    """Everything needed to connect to one cluster. Secret fields never appear in repr."""

    name: str
    server: str
    ca_data: bytes | None = field(default=None, repr=False)
    insecure_skip_tls_verify: bool = False
    tls_server_name: str | None = None
    client_cert_data: bytes | None = field(default=None, repr=False)
    client_key_data: bytes | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    token_file: Path | None = None
    namespace: str = "default"

    def to_kubeconfig(self, *, context: str | None = None) -> dict[str, Any]:
        """A kubeconfig document with this cluster as its only (and current) context."""
        return merge_kubeconfigs([self], current=context or self.name, names=[context])


def token_kubeconfig(
    config: ClusterConfig, *, namespace: str, user: str, token: str
) -> dict[str, Any]:
    """A kubeconfig that reaches ``config``'s server as ``user`` with a bearer ``token``.

    The user entry is named after the service account and the context's namespace is the
    service account's, which is how a token's owner is found again when it must be renewed.
    """
    return ClusterConfig(
        name=user,
        server=config.server,
        ca_data=config.ca_data,
        insecure_skip_tls_verify=config.insecure_skip_tls_verify,
        tls_server_name=config.tls_server_name,
        token=token,
        namespace=namespace,
    ).to_kubeconfig()


def merge_kubeconfigs(
    configs: list[ClusterConfig], *, current: str, names: list[str | None] | None = None
) -> dict[str, Any]:
    """One kubeconfig document with a context, cluster and user entry per ``ClusterConfig``."""
    names = names or [None] * len(configs)
    clusters, users, contexts = [], [], []
    for config, given in zip(configs, names, strict=True):
        name = given or config.name
        cluster: dict[str, Any] = {"server": config.server}
        if config.ca_data:
            cluster["certificate-authority-data"] = _b64(config.ca_data)
        if config.insecure_skip_tls_verify:
            cluster["insecure-skip-tls-verify"] = True
        if config.tls_server_name:
            cluster["tls-server-name"] = config.tls_server_name
        user: dict[str, Any] = {}
        if config.client_cert_data:
            user["client-certificate-data"] = _b64(config.client_cert_data)
        if config.client_key_data:
            user["client-key-data"] = _b64(config.client_key_data)
        if config.token:
            user["token"] = config.token
        if config.token_file:
            user["tokenFile"] = str(config.token_file)
        context: dict[str, Any] = {"cluster": name, "user": name}
        if config.namespace != "default":
            context["namespace"] = config.namespace
        clusters.append({"name": name, "cluster": cluster})
        users.append({"name": name, "user": user})
        contexts.append({"name": name, "context": context})
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": clusters,
        "users": users,
        "contexts": contexts,
        "current-context": current,
        "preferences": {},
    }


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@dataclass
class Kubeconfig:
    """The parsed content of one or more kubeconfig files."""

    source: str
    clusters: dict[str, dict[str, Any]]
    users: dict[str, dict[str, Any]]
    contexts: dict[str, dict[str, Any]]
    current_context: str | None
    # Directory of the file that defined each cluster / user, for relative file references.
    base_dirs: dict[tuple[str, str], Path] = field(default_factory=dict)

    def context_names(self) -> list[str]:
        return list(self.contexts)

    def cluster_config(
        self, context: str | None = None, *, name: str | None = None
    ) -> ClusterConfig:
        """The connection settings of ``context`` (default: the current context)."""
        chosen = context or self.current_context
        if not chosen:
            raise KubeconfigError(
                f"kubeconfig {self.source} sets no current-context; pick one with --context "
                f"(contexts: {', '.join(self.contexts) or 'none'})"
            )
        ctx = self.contexts.get(chosen)
        if ctx is None:
            raise KubeconfigError(
                f'kubeconfig {self.source} has no context "{chosen}" '
                f"(contexts: {', '.join(self.contexts) or 'none'})"
            )
        cluster_name = _str(ctx.get("cluster"))
        user_name = _str(ctx.get("user"))
        cluster = self.clusters.get(cluster_name)
        if cluster is None:
            raise KubeconfigError(
                f'kubeconfig {self.source}: context "{chosen}" names cluster "{cluster_name}", '
                "which the file does not define"
            )
        user = self.users.get(user_name, {}) if user_name else {}
        if user_name and user_name not in self.users:
            raise KubeconfigError(
                f'kubeconfig {self.source}: context "{chosen}" names user "{user_name}", '
                "which the file does not define"
            )
        where = f'kubeconfig {self.source}, context "{chosen}"'
        server = _str(cluster.get("server"))
        if not server.startswith(("https://", "http://")):
            raise KubeconfigError(f"{where}: cluster server must be an http(s) URL")
        for unsupported in ("exec", "auth-provider"):
            if user.get(unsupported):
                raise KubeconfigError(
                    f"{where}: user uses an {unsupported} credential plugin, which Navarch does "
                    "not support yet; use a kubeconfig with a token or a client certificate"
                )
        if user.get("username") or user.get("password"):
            raise KubeconfigError(
                f"{where}: basic authentication (username/password) is not supported; "
                "use a token or a client certificate"
            )
        cluster_dir = self.base_dirs.get(("cluster", cluster_name), Path.cwd())
        user_dir = self.base_dirs.get(("user", user_name), Path.cwd())
        token_file = _str(user.get("tokenFile"))
        return ClusterConfig(
            name=name or chosen,
            server=server.rstrip("/"),
            ca_data=_data_or_file(cluster, "certificate-authority", cluster_dir, where),
            insecure_skip_tls_verify=bool(cluster.get("insecure-skip-tls-verify", False)),
            tls_server_name=_str(cluster.get("tls-server-name")) or None,
            client_cert_data=_data_or_file(user, "client-certificate", user_dir, where),
            client_key_data=_data_or_file(user, "client-key", user_dir, where),
            token=_str(user.get("token")) or None,
            token_file=(user_dir / token_file) if token_file else None,
            namespace=_str(ctx.get("namespace")) or "default",
        )


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _data_or_file(section: Mapping[str, Any], key: str, base: Path, where: str) -> bytes | None:
    data = section.get(f"{key}-data")
    if data:
        try:
            return base64.b64decode(str(data), validate=True)
        except (binascii.Error, ValueError):
            raise KubeconfigError(f"{where}: {key}-data is not valid base64") from None
    path = _str(section.get(key))
    if not path:
        return None
    full = (base / path).expanduser()
    try:
        return full.read_bytes()
    except OSError as exc:
        raise KubeconfigError(f"{where}: cannot read {key} file {full}: {exc.strerror}") from None


def parse_kubeconfig(text: str, *, source: str, base_dir: Path | None = None) -> Kubeconfig:
    """Parse one kubeconfig document; ``source`` names it in errors (a path, or e.g. a Secret)."""
    config = Kubeconfig(source=source, clusters={}, users={}, contexts={}, current_context=None)
    _merge_into(config, _parse_document(text, source), base_dir or Path.cwd(), source)
    return config


def _parse_document(text: str, source: str) -> dict[str, Any]:
    try:
        doc = yaml.load(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise KubeconfigError(
            f"kubeconfig {source} is not valid YAML{at}: {exc.problem or 'parse error'}"
        ) from None
    except yaml.YAMLError:
        raise KubeconfigError(f"kubeconfig {source} is not valid YAML") from None
    if not isinstance(doc, dict):
        raise KubeconfigError(
            f"kubeconfig {source} is not a kubeconfig: expected a mapping with clusters, "
            "users and contexts"
        )
    return doc


def _merge_into(config: Kubeconfig, doc: dict[str, Any], base: Path, source: str) -> None:
    for section, target, kind in (
        ("clusters", config.clusters, "cluster"),
        ("users", config.users, "user"),
        ("contexts", config.contexts, "context"),
    ):
        entries = doc.get(section) or []
        if not isinstance(entries, list):
            raise KubeconfigError(f"kubeconfig {source}: {section} must be a list")
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                raise KubeconfigError(f"kubeconfig {source}: every entry of {section} needs a name")
            body = entry.get(kind) or {}
            if not isinstance(body, dict):
                raise KubeconfigError(
                    f'kubeconfig {source}: {kind} "{entry["name"]}" must be a mapping'
                )
            if entry["name"] not in target:  # first definition wins, as in kubectl
                target[entry["name"]] = body
                config.base_dirs[(kind, entry["name"])] = base
    current = doc.get("current-context")
    if not config.current_context and isinstance(current, str) and current:
        config.current_context = current


def default_kubeconfig_paths() -> list[Path]:
    """The files kubectl would read: each entry of ``$KUBECONFIG``, else ``~/.kube/config``."""
    env = os.environ.get("KUBECONFIG", "")
    paths = [Path(p).expanduser() for p in env.split(os.pathsep) if p]
    return paths or [Path.home() / ".kube" / "config"]


def load_kubeconfig(paths: list[Path] | Path | None = None) -> Kubeconfig:
    """Read and merge kubeconfig files (default: as kubectl finds them)."""
    if isinstance(paths, Path):
        paths = [paths]
    paths = paths or default_kubeconfig_paths()
    config = Kubeconfig(
        source=os.pathsep.join(str(p) for p in paths),
        clusters={},
        users={},
        contexts={},
        current_context=None,
    )
    found = False
    for path in paths:
        try:
            text = path.read_text()
        except FileNotFoundError:
            if len(paths) > 1:
                continue  # kubectl skips missing entries of a KUBECONFIG list
            raise KubeconfigError(
                f"kubeconfig {path} does not exist; set KUBECONFIG or pass the file "
                "(e.g. the fleet's: `navarch local up` prints its path)"
            ) from None
        except OSError as exc:
            raise KubeconfigError(f"cannot read kubeconfig {path}: {exc.strerror}") from None
        _merge_into(config, _parse_document(text, str(path)), path.parent, str(path))
        found = True
    if not found:
        raise KubeconfigError(
            f"none of the kubeconfig files exist: {', '.join(str(p) for p in paths)}"
        )
    return config
