"""What preflight runs and how it lands on the cluster: the manifests' objects (namespaces first,
then secrets, then workloads), or, when no manifest is given, a one-replica Deployment per
registry pulling ``<acr>.azurecr.io/pullproof-preflight:v1``; and the workflows' ``--attach-acr``
steps, carried out as ``az aks update --attach-acr`` would (AcrPull for the kubelet identity)."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from pullproof.arm.models import Resource
from pullproof.core.errors import ServiceError
from pullproof.explain.facts import cluster_facts
from pullproof.explain.manifest import REMOVED
from pullproof.iac.names import arm_guid
from pullproof.kube.apiserver.options import WriteOptions
from pullproof.kube.apiserver.protobuf import ProtobufCodec
from pullproof.kube.apiserver.schema import SchemaChecker
from pullproof.kube.apiserver.service import ObjectService
from pullproof.kube.storage import resources
from pullproof.kube.storage.clusters import Cluster
from pullproof.lint.context import REGISTRY, Context, acr_of
from pullproof.lint.manifests import ManifestDoc, pod_spec
from pullproof.lint.model import LintFinding, Location, Preflight
from pullproof.lint.world import World
from pullproof.rbac.builtin import ACR_PULL
from pullproof.rbac.service import NewAssignment

ORDER = ("Namespace", "ServiceAccount", "ConfigMap", "Secret", "Deployment", "ReplicaSet", "Pod")
PLACEHOLDER = "pullproof-preflight:v1"


def placeholder(name: str, image: str, where: Location) -> ManifestDoc:
    labels = {"app": name}
    doc = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "default"},
           "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                    "template": {"metadata": {"labels": labels},
                                 "spec": {"containers": [{"name": "app", "image": image}]}}}}
    return ManifestDoc(where.path, 0, where.line, where.column, doc)


def rewrite(doc: ManifestDoc, images: dict[str, str]) -> ManifestDoc:
    """The document with its containers' images replaced as ``images`` says."""
    if not images or not set(doc.images()) & set(images):
        return doc
    body = copy.deepcopy(doc.doc)
    spec = pod_spec(body) or {}
    for container in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]:
        if isinstance(container, dict) and container.get("image") in images:
            container["image"] = images[container["image"]]
    return replace(doc, doc=body)


def workloads(ctx: Context) -> list[ManifestDoc]:
    """The manifests; without any, the workflows' images; without those, one placeholder per registry."""
    if ctx.inputs.manifests:
        return list(ctx.inputs.manifests)
    images = dict.fromkeys(i for flow in ctx.inputs.workflows for i in flow.concrete_images())
    used = ctx.used()
    if not images:
        images = dict.fromkeys(f"{r.name.lower()}.azurecr.io/{PLACEHOLDER}" for r in ctx.registries()
                               if used is None or r.name.lower() in used)
    docs = []
    for image in images:
        acr = acr_of(image) or "image"
        registry = next((r for r in ctx.registries() if r.name.lower() == acr), None)
        where = ctx.location(registry.id, REGISTRY) if registry else Location(ctx.inputs.paths[0])
        docs.append(placeholder(f"preflight-{acr}", image, where))
    return docs


def attach_from_workflows(ctx: Context, cluster: Resource) -> None:
    """AcrPull for the kubelet identity on each registry a workflow attaches to this cluster."""
    facts = cluster_facts(ctx.world.state, cluster.id)
    if facts is None or not facts.kubelet_principal:
        return
    role = f"/subscriptions/{ctx.world.state.subscription_id}/providers/Microsoft.Authorization/" \
           f"roleDefinitions/{ACR_PULL}"
    for registry in ctx.registries():
        if ctx.attach_for(cluster.name, registry.name) and not ctx.can_pull(facts.kubelet_principal, registry.id):
            name = arm_guid(registry.id, facts.kubelet_principal, "AcrPull")
            ctx.world.grant(NewAssignment(registry.id, name, role, facts.kubelet_principal, "ServicePrincipal"))


class Applier:
    """Creates the manifests' objects as ``kubectl apply`` would on a fresh cluster; workloads that pull
    from outside the templates' registries are skipped (the offline pullproof cannot pull them)."""

    def __init__(self, world: World, cluster: Cluster, registries: set[str]) -> None:
        self.world = world
        self.cluster = cluster
        self.registries = registries
        self.objects = ObjectService(cluster.tracker, world.clock, world.ids,
                                     SchemaChecker(ProtobufCodec().schema))
        self.namespaces: set[str] = set()
        self.owners: list[tuple[str, Location]] = []

    def _namespace(self, name: str) -> None:
        self.namespaces.add(name)
        if self.cluster.tracker.find("namespaces", "", name) is None:
            body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
            self.objects.create(resources.for_kind("v1", "Namespace"), "", body, WriteOptions())  # type: ignore[arg-type]

    def apply(self, docs: list[ManifestDoc], findings: list[LintFinding], result: Preflight) -> int:
        """Create every object; returns how many pods the workloads should have."""
        expected = 0
        ranked = sorted(docs, key=lambda d: ORDER.index(d.kind) if d.kind in ORDER else len(ORDER))
        for doc in ranked:
            rtype = resources.for_kind(doc.api_version, doc.kind)
            if rtype is None:
                if (doc.api_version, doc.kind) not in REMOVED:
                    result.skipped.append(f"{doc.kind}/{doc.name} ({doc.api_version}: not run by preflight)")
                continue
            outside = [i for i in doc.images() if acr_of(i) not in self.registries]
            if outside:
                result.skipped.append(f"{doc.kind}/{doc.name} (pulls {', '.join(outside)}, not from a registry "
                                      "the templates create)")
                continue
            namespace = (doc.namespace or "default") if rtype.namespaced else ""
            where = Location(doc.path, doc.line, doc.column)
            try:
                if namespace:
                    self._namespace(namespace)
                self.objects.create(rtype, namespace, dict(doc.doc), WriteOptions())
            except ServiceError as exc:
                findings.append(LintFinding("PP121", f"kubectl apply of {doc.kind} {doc.name} fails: {exc.message}",
                                            where, None, {"kind": doc.kind, "name": doc.name}))
                continue
            if doc.kind in ("Deployment", "ReplicaSet", "Pod"):
                self.owners.append((doc.name, where))
                expected += _replicas(doc.doc)
        return expected

    def location_of(self, pod: str, default: Location) -> Location:
        return next((where for name, where in self.owners if pod == name or pod.startswith(name + "-")), default)


def _replicas(doc: dict[str, Any]) -> int:
    if doc.get("kind") == "Pod":
        return 1
    value = (doc.get("spec") or {}).get("replicas")
    return int(value) if isinstance(value, int) else 1
