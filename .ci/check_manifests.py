"""Pod rules of SPEC §6 over rendered Kubernetes manifests (for .ci/check-deploy.sh).

usage: check_manifests.py RENDERED.yaml
Every pod of the service: non-root, RuntimeDefault seccomp, no privilege escalation, all capabilities dropped,
a read-only root filesystem with /tmp writable, resource requests and limits. The web Deployment: 2+ replicas,
liveness on /health and readiness on /ready. Third-party pods (the dev MySQL) get all but the read-only root.
"""

import sys
from pathlib import Path

import yaml

POD_KINDS = {"Deployment": ("spec", "template"), "StatefulSet": ("spec", "template"), "Job": ("spec", "template")}
failures: list[str] = []


def pod_spec(doc: dict) -> dict | None:
    if doc["kind"] == "CronJob":
        return doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    if doc["kind"] in POD_KINDS:
        return doc["spec"]["template"]["spec"]
    return None


def expect(condition: bool, where: str, what: str) -> None:
    if not condition:
        failures.append(f"{where}: {what}")


docs = [d for d in yaml.safe_load_all(Path(sys.argv[1]).read_text()) if d]
kinds = {(d["kind"], d["metadata"]["name"]) for d in docs}
for needed in [
    ("Namespace", "ecommerce"),
    ("Deployment", "ecommerce-web"),
    ("Service", "ecommerce-web"),
    ("Deployment", "ecommerce-worker"),
    ("Job", "ecommerce-migrate"),
    ("CronJob", "ecommerce-retry-notifications"),
    ("CronJob", "ecommerce-prune-notifications"),
    ("HorizontalPodAutoscaler", "ecommerce-worker"),
    ("HorizontalPodAutoscaler", "ecommerce-web"),
    ("PodDisruptionBudget", "ecommerce-web"),
]:
    expect(needed in kinds, "/".join(needed), "missing")

for doc in docs:
    spec = pod_spec(doc)
    if spec is None:
        continue
    ours = all(c["image"].startswith("ecommerce-service") for c in spec["containers"])
    pod = spec.get("securityContext", {})
    where = f"{doc['kind']}/{doc['metadata']['name']}"
    expect(pod.get("runAsNonRoot") is True, where, "runAsNonRoot")
    expect(pod.get("seccompProfile", {}).get("type") == "RuntimeDefault", where, "seccompProfile RuntimeDefault")
    for container in spec.get("initContainers", []) + spec["containers"]:
        at = f"{where} container {container['name']}"
        sc = container.get("securityContext", {})
        expect(sc.get("allowPrivilegeEscalation") is False, at, "allowPrivilegeEscalation false")
        expect(sc.get("capabilities", {}).get("drop") == ["ALL"], at, "capabilities drop ALL")
        resources = container.get("resources", {})
        for kind in ("requests", "limits"):
            expect({"cpu", "memory"} <= set(resources.get(kind, {})), at, f"{kind} for cpu and memory")
        if ours:
            expect(sc.get("readOnlyRootFilesystem") is True, at, "readOnlyRootFilesystem")
            mounts = {m["mountPath"] for m in container.get("volumeMounts", [])}
            expect("/tmp" in mounts, at, "an emptyDir on /tmp")  # noqa: S108 (a path checked, not used)
    if where == "Deployment/ecommerce-web":
        expect(doc["spec"]["replicas"] >= 2, where, "2+ replicas")
        web = spec["containers"][0]
        expect(web.get("livenessProbe", {}).get("httpGet", {}).get("path") == "/health", where, "liveness /health")
        expect(web.get("readinessProbe", {}).get("httpGet", {}).get("path") == "/ready", where, "readiness /ready")
        env = {e["name"]: e.get("value") for e in web.get("env", [])}
        mounts = {m["mountPath"] for m in web.get("volumeMounts", [])}
        expect(env.get("PROMETHEUS_MULTIPROC_DIR") in mounts, where, "PROMETHEUS_MULTIPROC_DIR on its own volume")

    if where == "Deployment/ecommerce-worker":
        worker = spec["containers"][0]
        expect(worker.get("livenessProbe", {}).get("httpGet", {}).get("path") == "/health", where, "liveness /health")

if failures:
    sys.exit("FAIL:\n  " + "\n  ".join(failures))
print(f"ok: {len(docs)} resources follow the pod rules")
