#!/usr/bin/env bash
# System packages for .ci/check-deploy.sh: kubectl (its built-in kustomize renders k8s/). The project's machine
# images ship kubectl; Debian's own package is the fallback where it is missing.
set -euo pipefail
command -v kubectl >/dev/null 2>&1 && exit 0
dpkg -s kubernetes-client >/dev/null 2>&1 && exit 0
apt-get update -qq
apt-get install -y -qq kubernetes-client >/dev/null
