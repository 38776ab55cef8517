"""The PersistentVolume controller and the Azure CSI provisioners: a Pending claim of a
``WaitForFirstConsumer`` class waits (event ``WaitForFirstConsumer``) until a pod using it is scheduled;
an ``Immediate`` one is provisioned at once. Provisioning creates PV ``pvc-<claim uid>`` (events
``ExternalProvisioning``, ``Provisioning``, ``ProvisioningSucceeded``) and binds both. A ReadWriteMany claim
on an Azure Disk class fails as the disk CSI driver refuses it."""

from __future__ import annotations

import hashlib
import math
from typing import Any

from pullproof.core.clock import Clock
from pullproof.kube.storage.events import EventRecorder
from pullproof.kube.storage.quantity import quantity
from pullproof.kube.storage.tracker import Tracker, clone

Obj = dict[str, Any]
CLASSES = "storageclasses.storage.k8s.io"
DISK = "disk.csi.azure.com"
WAITING = "waiting for first consumer to be created before binding"
DISK_MODES = {"ReadWriteOnce", "ReadWriteOncePod", "ReadOnlyMany"}


def claim_names(pod: Obj) -> list[str]:
    return [v["persistentVolumeClaim"]["claimName"] for v in (pod.get("spec") or {}).get("volumes") or []
            if (v.get("persistentVolumeClaim") or {}).get("claimName")]


def missing_claim(tracker: Tracker, pod: Obj, nodes: int) -> str | None:
    """The scheduler's FailedScheduling text when the VolumeBinding PreFilter refuses a pod whose claim does
    not exist (unresolvable: preemption cannot help on any node)."""
    namespace = pod["metadata"]["namespace"]
    for name in claim_names(pod):
        if tracker.find("persistentvolumeclaims", namespace, name) is None:
            return (f'0/{nodes} nodes are available: persistentvolumeclaim "{name}" not found. '
                    f"preemption: 0/{nodes} nodes are available: {nodes} Preemption is not helpful for scheduling.")
    return None


class VolumeController:
    def __init__(self, tracker: Tracker, clock: Clock) -> None:
        self.tracker = tracker
        self.clock = clock
        self.binder = EventRecorder(tracker, clock, "persistentvolume-controller")
        controller = hashlib.sha256(tracker.cluster.encode()).hexdigest()
        self.provisioners = {driver: EventRecorder(tracker, clock, f"{driver}_csi-{driver.split('.')[0]}-controller-"
                                                                   f"{controller[:10]}-{controller[10:15]}_"
                                                                   f"{controller[16:24]}")
                             for driver in (DISK, "file.csi.azure.com")}

    def reconcile(self) -> None:
        consumers: dict[tuple[str, str], str] = {}
        for pod in self.tracker.scan("pods"):
            for name in claim_names(pod):
                if pod["spec"].get("nodeName"):
                    consumers[(pod["metadata"]["namespace"], name)] = pod["spec"]["nodeName"]
        for claim in self.tracker.scan("persistentvolumeclaims"):
            if (claim.get("status") or {}).get("phase") == "Pending" and not claim["spec"].get("volumeName"):
                self._pending(clone(claim), consumers.get((claim["metadata"]["namespace"], claim["metadata"]["name"])))

    def _pending(self, claim: Obj, node: str | None) -> None:
        class_name = claim["spec"].get("storageClassName")
        if not class_name:
            return
        sc = self.tracker.find(CLASSES, "", class_name)
        if sc is None:
            self.binder.record(claim, "PersistentVolumeClaim", "Warning", "ProvisioningFailed",
                               f'storageclass.storage.k8s.io "{class_name}" not found')
            return
        if sc.get("volumeBindingMode") == "WaitForFirstConsumer" and node is None:
            self.binder.record(claim, "PersistentVolumeClaim", "Normal", "WaitForFirstConsumer", WAITING)
            return
        self._provision(claim, sc, node)

    def _provision(self, claim: Obj, sc: Obj, node: str | None) -> None:
        driver = str(sc.get("provisioner", ""))
        meta = claim["metadata"]
        self.binder.record(claim, "PersistentVolumeClaim", "Normal", "ExternalProvisioning",
                           f"Waiting for a volume to be created either by the external provisioner '{driver}' or "
                           "manually by the system administrator. If volume creation is delayed, please verify "
                           "that the provisioner is running and correctly registered.")
        recorder = self.provisioners.get(driver)
        if recorder is None:
            return  # no such provisioner runs in an AKS cluster: the claim stays Pending, as there
        recorder.record(claim, "PersistentVolumeClaim", "Normal", "Provisioning",
                        f'External provisioner is provisioning volume for claim "{meta["namespace"]}/{meta["name"]}"')
        modes = list(claim["spec"].get("accessModes") or [])
        if driver == DISK and not set(modes) <= DISK_MODES:
            recorder.record(claim, "PersistentVolumeClaim", "Warning", "ProvisioningFailed",
                            f'failed to provision volume with StorageClass "{sc["metadata"]["name"]}": rpc error: '
                            "code = InvalidArgument desc = Volume capability not supported")
            return
        volume = self._volume(claim, sc)
        recorder.record(claim, "PersistentVolumeClaim", "Normal", "ProvisioningSucceeded",
                        f"Successfully provisioned volume {volume['metadata']['name']}")
        self._bind(claim, volume, node)

    def _volume(self, claim: Obj, sc: Obj) -> Obj:
        meta = claim["metadata"]
        name = f"pvc-{meta['uid']}"
        requested = quantity(claim["spec"]["resources"]["requests"]["storage"])
        size = f"{max(1, math.ceil(requested / 2**30))}Gi"
        driver = str(sc["provisioner"])
        params = dict(sc.get("parameters") or {})
        attributes = {"csi.storage.k8s.io/pv/name": name, "csi.storage.k8s.io/pvc/name": meta["name"],
                      "csi.storage.k8s.io/pvc/namespace": meta["namespace"], **params}
        body = {"apiVersion": "v1", "kind": "PersistentVolume",
                "metadata": {"name": name, "annotations": {"pv.kubernetes.io/provisioned-by": driver},
                             "finalizers": ["external-provisioner.volume.kubernetes.io/finalizer",
                                            "kubernetes.io/pv-protection"]},
                "spec": {"accessModes": list(claim["spec"]["accessModes"]), "capacity": {"storage": size},
                         "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": meta["name"],
                                      "namespace": meta["namespace"], "uid": meta["uid"],
                                      "resourceVersion": meta.get("resourceVersion")},
                         "csi": {"driver": driver, "volumeHandle": name, "volumeAttributes": attributes,
                                 **({"fsType": "ext4"} if driver == DISK else {})},
                         "persistentVolumeReclaimPolicy": sc.get("reclaimPolicy") or "Delete",
                         "storageClassName": sc["metadata"]["name"], "volumeMode": "Filesystem"},
                "status": {"phase": "Bound"}}
        return self.tracker.create("persistentvolumes", "", body)

    def _bind(self, claim: Obj, volume: Obj, node: str | None) -> None:
        meta = claim["metadata"]
        annotations = meta.setdefault("annotations", {})
        annotations.update({"pv.kubernetes.io/bind-completed": "yes", "pv.kubernetes.io/bound-by-controller": "yes",
                            "volume.beta.kubernetes.io/storage-provisioner": volume["spec"]["csi"]["driver"],
                            "volume.kubernetes.io/storage-provisioner": volume["spec"]["csi"]["driver"]})
        if node:
            annotations["volume.kubernetes.io/selected-node"] = node
        claim["spec"]["volumeName"] = volume["metadata"]["name"]
        claim["status"] = {"phase": "Bound", "accessModes": list(volume["spec"]["accessModes"]),
                           "capacity": dict(volume["spec"]["capacity"])}
        self.tracker.update("persistentvolumeclaims", meta["namespace"], claim, check_version=False)
