"""Rendering a profile's templates for one cluster, as Sveltos instantiates them.

Sveltos renders with Go's text/template, Sprig and its own functions (``engines.gotemplate``),
``missingkey=error``, a template named ``<cluster namespace>-<cluster name>-<requestor>``, and
the data root ``.Cluster`` (the SveltosCluster as an unstructured object: integers are int64).
What is rendered: the content of a policyRef ConfigMap/Secret annotated
``projectsveltos.io/template``; a Helm chart's ``values`` (always) and its valuesFrom content
when the referenced object is annotated; kustomize ``path``, ``components`` and ``values``; then
the kustomize output itself with the values as data.

A template error is the cluster's problem, not a transient one: ``TemplateFailure`` says which
source and which template, line and column failed, the ClusterSummary records it for that cluster
only, and nothing is retried until the profile, the source or the cluster changes.
"""

from __future__ import annotations

from typing import Any

from navarch.controllers.helm import ValuesError
from navarch.engines.gotemplate import Template, TemplateError
from navarch.engines.gotemplate.sveltos import FUNCS, resource_funcs
from navarch.engines.gotemplate.values import go_data
from navarch.engines.resources import TEMPLATE_ANNOTATION, ManifestError

KubeObject = dict[str, Any]


class TemplateFailure(ManifestError, ValuesError):
    """A template that does not render for this cluster; the message names it."""


def is_template(text: str) -> bool:
    """Whether a name, path or text holds a template action (else it is used as it is)."""
    return "{{" in text


def is_templated(source: KubeObject) -> bool:
    annotations = (source.get("metadata") or {}).get("annotations") or {}
    return TEMPLATE_ANNOTATION in annotations


class Renderer:
    """Renders text for one cluster (``cluster`` is its SveltosCluster)."""

    def __init__(
        self,
        cluster: KubeObject | None,
        requestor: str,
        mgmt_resources: dict[str, KubeObject] | None = None,
    ) -> None:
        meta = (cluster or {}).get("metadata") or {}
        self.requestor = requestor
        self.name = f"{meta.get('namespace', '')}-{meta.get('name', '')}-{requestor}"
        self.cluster = go_data(cluster or {})  # a copy (go_data builds new maps and lists)
        (self.cluster.get("metadata") or {}).pop("managedFields", None)
        self.mgmt_resources = mgmt_resources or {}

    def render(self, text: str, where: str) -> str:
        """``text`` rendered with ``.Cluster`` and ``.MgmtResources``; TemplateFailure names
        ``where``. Each rendering gets its own copy of the resources (setField changes them)."""
        if not is_template(text):
            return text
        resources = go_data(self.mgmt_resources)  # a fresh copy: setField changes it
        root = {"Cluster": self.cluster, "MgmtResources": resources}
        return render_with(text, root, self.name, where, {**FUNCS, **resource_funcs(resources)})

    def render_values(self, values: dict[str, str], where: str) -> dict[str, str]:
        return {k: self.render(v, f"{where} {k}") for k, v in values.items()}


def render_with(
    text: str, data: Any, name: str, where: str, funcs: dict[str, Any] | None = None
) -> str:
    try:
        return Template(name, funcs=funcs or FUNCS).parse(text).execute(data)
    except TemplateError as exc:
        raise TemplateFailure(f"{where}: {exc}") from None


class ResolvedSources:
    """The sources each summary reached through a templated name or namespace.

    The source index of the summaries holds the literal references of their specs; a name
    that is a template (``{{ .Cluster.metadata.name }}-addons``) resolves per cluster, at
    reconcile, so the source it resolved to is recorded here, and a change of that source
    re-queues the summary like a literal reference does."""

    def __init__(self) -> None:
        self._by_source: dict[str, set[tuple[str, str]]] = {}
        self._by_summary: dict[tuple[str, str], set[str]] = {}

    def record(self, summary: tuple[str, str], sources: set[str]) -> None:
        """``summary`` now reaches ``sources`` ("Kind/namespace/name"), and no others."""
        self.forget(summary)
        if sources:
            self._by_summary[summary] = set(sources)
            for source in sources:
                self._by_source.setdefault(source, set()).add(summary)

    def forget(self, summary: tuple[str, str]) -> None:
        for source in self._by_summary.pop(summary, set()):
            summaries = self._by_source.get(source)
            if summaries is not None:
                summaries.discard(summary)
                if not summaries:
                    del self._by_source[source]

    def summaries_of(self, source: str) -> set[tuple[str, str]]:
        return set(self._by_source.get(source, ()))
