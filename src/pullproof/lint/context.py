"""What the rules read: the throw-away pullproof after the deployments, the inputs, which template
created which resource, and which registries the workloads pull from."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pullproof.aks.provider import CLUSTER_TYPE
from pullproof.arm.models import ROLE_ASSIGNMENT_TYPE, Resource
from pullproof.lint.inputs import Inputs, TemplateInput
from pullproof.lint.model import Location
from pullproof.lint.sandbox import Deployed
from pullproof.lint.sources import Declaration
from pullproof.lint.workflows import Attach
from pullproof.lint.world import World
from pullproof.registry.scope import PULL_READ, REGISTRY_TYPE

CLUSTER = CLUSTER_TYPE
REGISTRY = REGISTRY_TYPE
ASSIGNMENT = ROLE_ASSIGNMENT_TYPE
PULL = PULL_READ
ACR_HOST = re.compile(r"^([a-z0-9]{5,50})\.azurecr\.io$")


@dataclass(frozen=True)
class ImageUse:
    image: str
    acr: str
    location: Location


def acr_of(image: str) -> str | None:
    host = image.split("/", 1)[0].lower() if "/" in image else ""
    match = ACR_HOST.match(host)
    return match.group(1) if match else None


@dataclass
class Context:
    world: World
    inputs: Inputs
    deployed: list[Deployed]

    def image_uses(self) -> list[ImageUse]:
        uses = []
        for doc in self.inputs.manifests:
            for image in doc.images():
                acr = acr_of(image)
                if acr:
                    uses.append(ImageUse(image, acr, Location(doc.path, doc.line, doc.column)))
        for flow in self.inputs.workflows:
            for acr, repo, tag, line in flow.images:
                uses.append(ImageUse(f"{acr}.azurecr.io/{repo}" + (f":{tag}" if tag else ""), acr,
                                     Location(flow.path, line)))
        return uses

    @property
    def has_workloads(self) -> bool:
        return bool(self.inputs.manifests or self.inputs.workflows)

    def used(self) -> set[str] | None:
        """The registries (names, lower case) the workloads pull from; None: no workloads given."""
        return {u.acr for u in self.image_uses()} if self.has_workloads else None

    def clusters(self) -> list[Resource]:
        return sorted(self.world.state.resources(CLUSTER), key=lambda r: r.id.lower())

    def registries(self) -> list[Resource]:
        return sorted(self.world.state.resources(REGISTRY), key=lambda r: r.id.lower())

    def can_pull(self, principal: str | None, registry_id: str) -> bool:
        return bool(principal) and self.world.state.evaluate(str(principal), PULL, registry_id).allowed

    def entry_of(self, resource_id: str) -> TemplateInput | None:
        key = resource_id.lower()
        found = next((d.entry for d in self.deployed if key in d.resources), None)
        return found or (self.deployed[0].entry if self.deployed else None)

    def declaration(self, resource_id: str, rtype: str, *hints: str) -> Declaration | None:
        entry = self.entry_of(resource_id)
        return entry.sources.find(rtype, *hints) if entry else None

    def location(self, resource_id: str, rtype: str, *hints: str) -> Location:
        found = self.declaration(resource_id, rtype, *hints)
        if found is not None:
            return found.location
        entry = self.entry_of(resource_id)
        return Location(entry.path if entry else Path(self.inputs.paths[0]))

    def attach_for(self, cluster: str, acr: str) -> tuple[Attach, Path] | None:
        """A workflow step that attaches ``acr`` to ``cluster`` (unresolved names match anything)."""
        for flow in self.inputs.workflows:
            for attach in flow.attaches:
                if attach.acr in (None, acr.lower()) and (attach.cluster is None or attach.cluster.lower()
                                                          == cluster.lower()):
                    return attach, flow.path
        return None
