"""Generates ``src/pullproof/kube/apiserver/protoschema.json`` from the Go sources of k8s.io/api,
k8s.io/apimachinery and k8s.io/apiextensions-apiserver (fetched with ``go mod download``).

Each Go struct's ``protobuf:"…"`` tag gives the field number, its ``json:"…"`` tag the JSON name,
``omitempty`` and ``inline``; the Go type gives the kind (scalar, message, map) and whether it is a
pointer or repeated. The messages written are those reachable from the root kinds below.

    python scripts/gen_protoschema.py            # rewrite the file
    python scripts/gen_protoschema.py --check    # exit 1 if the file is not what would be written
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

VERSION = "v0.32.4"
MODULES = ("k8s.io/api", "k8s.io/apimachinery", "k8s.io/apiextensions-apiserver")
OUT = Path(__file__).resolve().parent.parent / "src/pullproof/kube/apiserver/protoschema.json"
ROOTS = (
    "core.v1.ConfigMap", "core.v1.Event", "core.v1.Namespace", "core.v1.Node", "core.v1.Pod", "core.v1.Secret",
    "core.v1.ServiceAccount", "core.v1.Service", "core.v1.Endpoints", "core.v1.PersistentVolumeClaim",
    "core.v1.PersistentVolume", "core.v1.ResourceQuota", "core.v1.LimitRange", "core.v1.PodTemplate",
    "core.v1.ReplicationController", "core.v1.Binding",
    "apps.v1.Deployment", "apps.v1.ReplicaSet", "apps.v1.StatefulSet", "apps.v1.DaemonSet",
    "apps.v1.ControllerRevision", "autoscaling.v1.Scale",
    "batch.v1.Job", "batch.v1.CronJob", "policy.v1.PodDisruptionBudget", "policy.v1.Eviction",
    "networking.v1.Ingress", "networking.v1.IngressClass", "networking.v1.NetworkPolicy",
    "storage.v1.StorageClass", "storage.v1.CSIDriver", "coordination.v1.Lease", "events.v1.Event",
    "discovery.v1.EndpointSlice", "rbac.v1.Role", "rbac.v1.ClusterRole", "rbac.v1.RoleBinding",
    "rbac.v1.ClusterRoleBinding", "scheduling.v1.PriorityClass", "autoscaling.v2.HorizontalPodAutoscaler",
    "autoscaling.v1.HorizontalPodAutoscaler",
    "apiextensions.v1.CustomResourceDefinition", "meta.v1.DeleteOptions",
)
SPECIAL = {"meta.v1.Time", "meta.v1.MicroTime", "meta.v1.FieldsV1", "meta.v1.Duration", "resource.Quantity",
           "intstr.IntOrString", "runtime.RawExtension", "apiextensions.v1.JSON",
           "apiextensions.v1.JSONSchemaProps",
           "apiextensions.v1.JSONSchemaPropsOrArray", "apiextensions.v1.JSONSchemaPropsOrBool",
           "apiextensions.v1.JSONSchemaPropsOrStringArray"}
# JSONSchemaProps is recursive; it stays opaque so that every message nests to a bounded depth
SCALARS = {"string": "s", "bool": "t", "int32": "i", "int64": "l", "int": "l", "float64": "d", "[]byte": "b",
           "types.UID": "s"}
FIELD_RE = re.compile(r'^\s+(?:(\w+)\s+)?([\w.*\[\]]+(?:\[[\w.]+\][\w.*\[\]]+)?)\s+`([^`]*)`')
TYPE_RE = re.compile(r"^type (\w+) (struct \{|.+)$")
PKG_PATHS = {"k8s.io/apimachinery/pkg/apis/meta/v1": "meta.v1", "k8s.io/apimachinery/pkg/api/resource": "resource",
             "k8s.io/apimachinery/pkg/util/intstr": "intstr", "k8s.io/apimachinery/pkg/runtime": "runtime",
             "k8s.io/apimachinery/pkg/types": "types"}


def module_dirs() -> dict[str, Path]:
    args = [f"{m}@{VERSION}" for m in MODULES]
    out = subprocess.run(["go", "mod", "download", "-json", *args], check=True, capture_output=True, text=True)
    dirs = {}
    for chunk in re.findall(r"\{.*?\n\}", out.stdout, re.S):
        info = json.loads(chunk)
        dirs[info["Path"]] = Path(info["Dir"])
    return dirs


def package_dirs(dirs: dict[str, Path]) -> dict[str, Path]:
    """Schema prefix (``core.v1``) -> the Go package's directory."""
    found = {"meta.v1": dirs["k8s.io/apimachinery"] / "pkg/apis/meta/v1",
             "apiextensions.v1": dirs["k8s.io/apiextensions-apiserver"] / "pkg/apis/apiextensions/v1"}
    for group in sorted({root.split(".")[0] for root in ROOTS} - {"meta", "apiextensions"}):
        for version_dir in (dirs["k8s.io/api"] / group).glob("v*"):
            found[f"{group}.{version_dir.name}"] = version_dir
    return found


class Package:
    def __init__(self, prefix: str, directory: Path, prefixes: dict[str, Path]) -> None:
        self.prefix = prefix
        self.structs: dict[str, list[tuple[str, str, str]]] = {}
        self.aliases: dict[str, str] = {}
        self.imports: dict[str, str] = {}
        reverse = {str(p): name for name, p in prefixes.items()}
        for path in sorted(directory.glob("*.go")):
            if path.name.endswith("_test.go") or path.name.startswith("zz_generated"):
                continue
            self._read(path.read_text(), reverse)

    def _read(self, text: str, reverse: dict[str, str]) -> None:
        for alias, path in re.findall(r'^\s*(\w+ )?"(k8s\.io/[^"]+)"', text, re.M):
            prefix = PKG_PATHS.get(path) or next((v for k, v in reverse.items() if k.endswith(
                path.replace("k8s.io/api/", "/").replace("k8s.io/apiextensions-apiserver/", "/"))), None)
            if prefix:
                self.imports[(alias.strip() or path.rsplit("/", 1)[-1])] = prefix
        lines = text.splitlines()
        for index, line in enumerate(lines):
            found = TYPE_RE.match(line)
            if not found:
                continue
            name, rest = found.groups()
            if rest == "struct {":
                self.structs[name] = self._fields(lines, index + 1)
            elif rest.startswith("struct{}"):
                self.structs[name] = []
            else:
                self.aliases[name] = rest.split("//")[0].strip()

    @staticmethod
    def _fields(lines: list[str], start: int) -> list[tuple[str, str, str]]:
        fields = []
        for line in lines[start:]:
            if line.startswith("}"):
                break
            found = FIELD_RE.match(line)
            if found and "protobuf:" in found.group(3):
                fields.append((found.group(1) or "", found.group(2), found.group(3)))
        return fields


class Generator:
    def __init__(self, packages: dict[str, Package]) -> None:
        self.packages = packages
        self.messages: dict[str, dict[str, list[str]]] = {}

    def qualify(self, pkg: Package, name: str) -> str:
        if "." in name:
            alias, _, local = name.partition(".")
            return f"{pkg.imports.get(alias, alias)}.{local}"
        return f"{pkg.prefix}.{name}"

    def kind(self, pkg: Package, go_type: str) -> tuple[str, str]:
        """(kind, flags) for a Go type: flags ``r`` repeated, ``p`` pointer."""
        if go_type in SCALARS:
            return SCALARS[go_type], ""
        if go_type.startswith("*"):
            kind, flags = self.kind(pkg, go_type[1:])
            return kind, flags + "p"
        if go_type.startswith("[]"):
            kind, flags = self.kind(pkg, go_type[2:])
            return kind, "r" + flags
        if go_type.startswith("map["):
            key, value = re.match(r"map\[([\w.]+)\](.+)", go_type).groups()  # type: ignore[union-attr]
            return f"map:{self.kind(pkg, key)[0]}:{self.kind(pkg, value)[0]}", ""
        qualified = self.qualify(pkg, go_type)
        owner = self.packages.get(qualified.rsplit(".", 1)[0])
        local = qualified.rsplit(".", 1)[1]
        if qualified in SPECIAL or owner is None:
            return f"m:{qualified}", ""
        if local in owner.aliases:
            return self.kind(owner, owner.aliases[local])
        self.message(qualified)
        return f"m:{qualified}", ""

    def message(self, qualified: str) -> None:
        if qualified in self.messages or qualified in SPECIAL:
            return
        prefix, _, local = qualified.rpartition(".")
        pkg = self.packages[prefix]
        self.messages[qualified] = entry = {}
        for _name, go_type, tags in pkg.structs[local]:
            proto = re.search(r'protobuf:"\w+,(\d+),', tags)
            json_tag = (re.search(r'json:"([^"]*)"', tags) or re.search("()", "")).group(1)  # type: ignore[union-attr]
            parts = json_tag.split(",")
            json_name = "" if "inline" in parts else parts[0]
            kind, flags = self.kind(pkg, go_type)
            flags += "o" if "omitempty" in parts else ""
            entry[proto.group(1)] = [json_name, kind, flags]  # type: ignore[union-attr]


def generate() -> dict[str, object]:
    prefixes = package_dirs(module_dirs())
    packages = {prefix: Package(prefix, path, prefixes) for prefix, path in prefixes.items()}
    generator = Generator(packages)
    for root in ROOTS:
        generator.message(root)
    source = (f"k8s.io/api, k8s.io/apimachinery and k8s.io/apiextensions-apiserver {VERSION}: types.go (protobuf "
              "field numbers, json names, inline, omitempty, pointer); flags: r repeated, p pointer, o omitempty; "
              "kinds: s string, b bytes, t bool, i int32, l int64, d double, m:<message>, map:<key>:<value>")
    messages = {name: dict(sorted(fields.items())) for name, fields in sorted(generator.messages.items())}
    return {"messages": messages, "source": source}


def main() -> int:
    text = json.dumps(generate(), indent=None, separators=(",", ":"), sort_keys=False) + "\n"
    if "--check" in sys.argv:
        return 0 if OUT.read_text() == text else 1
    OUT.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
