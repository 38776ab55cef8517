#!/usr/bin/env bash
# Debian packages the real-client tests drive: skopeo, containerd (ctr) and the CNCF reference
# registry (docker-registry, for the benchmark). Installs only what is missing. kubectl comes from
# scripts/install-kubectl.sh.
set -euo pipefail
missing=()
for pair in skopeo:skopeo ctr:containerd containerd:containerd docker-registry:docker-registry; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair##*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
