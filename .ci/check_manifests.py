"""Pod rules of SPEC §6 over rendered Kubernetes manifests (for .ci/check-deploy.sh).

usage: check_manifests.py RENDERED.yaml
Every pod of the service: non-root, RuntimeDefault seccomp, no privilege escalation, all capabilities dropped,
a read-only root filesystem with /tmp writable, resource requests and limits. The web Deployment: 2+ replicas,
liveness on /health and readiness on /ready, METRICS_TOKEN from the Secret `ecommerce-secrets`. The ConfigMap
points CACHE_URL at the Redis Service `redis` (SPEC §6: limits hold across processes); where a manifest set runs
that Service's pods itself (the dev overlay), they have probes and a read-only root as well. Third-party pods
(the dev MySQL) get all but the read-only root.
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
        if ours or container["image"].startswith("redis:"):
            expect(sc.get("readOnlyRootFilesystem") is True, at, "readOnlyRootFilesystem")
        if container["image"].startswith("redis:"):
            expect("livenessProbe" in container and "readinessProbe" in container, at, "liveness and readiness probes")
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
        token = next((e for e in web.get("env", []) if e["name"] == "METRICS_TOKEN"), {})
        ref = token.get("valueFrom", {}).get("secretKeyRef", {})
        expect(
            str(ref.get("name")).startswith("ecommerce-secrets") and not ref.get("optional"),
            where,
            "METRICS_TOKEN from the Secret",
        )

config = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"].startswith("ecommerce-config")]
expect(len(config) == 1, "ConfigMap/ecommerce-config", "missing")
for doc in config:
    expect(
        doc["data"].get("CACHE_URL", "").startswith("redis://redis:"), "ConfigMap/ecommerce-config", "CACHE_URL redis"
    )
redis_pods = [d for d in docs if d["kind"] in POD_KINDS and d["metadata"]["name"] == "redis"]
if redis_pods:
    expect(("Service", "redis") in kinds, "Service/redis", "missing beside the redis pods")

    if where == "Deployment/ecommerce-worker":
        worker = spec["containers"][0]
        expect(worker.get("livenessProbe", {}).get("httpGet", {}).get("path") == "/health", where, "liveness /health")

if failures:
    sys.exit("FAIL:\n  " + "\n  ".join(failures))
print(f"ok: {len(docs)} resources follow the pod rules")
