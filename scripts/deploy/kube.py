#!/usr/bin/env python3
"""Checks of deploy/kubernetes that a schema cannot make, and a local run of its Indexed Job.

  kube.py check FILE...        the nightly CronJob's contract (see `check`); exit 1 naming each problem
  kube.py misspell FILE OUT    write copies of FILE with one field name misspelt each (OUT/NN-field.yaml)
  kube.py simulate FILE ...    run the worker pod's command once per completion index, as N processes at
                               once, and the fleet step after them (see `simulate`)

Runs with the venv of scripts/test.d/40-deploy.sh (PyYAML comes with kubernetes-validate).
"""

import argparse
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def documents(paths):
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for doc in yaml.safe_load_all(f):
                if doc:
                    yield Path(path), doc


def cronjob(paths, name):
    for path, doc in documents(paths):
        if doc.get("kind") == "CronJob" and doc["metadata"]["name"] == name:
            return path, doc
    sys.exit(f"kube: no CronJob {name} in {', '.join(map(str, paths))}")


def env_names_the_cli_reads():
    """Every BACKSTOP_* name that appears in Sources/ (the CLI and the configuration loader)."""
    names = set()
    for source in (ROOT / "Sources").rglob("*.swift"):
        names.update(re.findall(r'"(BACKSTOP_[A-Z_]+)"', source.read_text(encoding="utf-8")))
    return names


def expand(value, env):
    """Kubernetes' $(VAR) expansion of command and args: $$ escapes, unknown references stay as written."""
    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
                  lambda m: "$" if m.group(0) == "$$" else env.get(m.group(1), m.group(0)), value)


def check(args):
    problems = []

    def need(condition, what):
        if not condition:
            problems.append(what)

    known_env = env_names_the_cli_reads()
    path, nightly = cronjob(args.files, "backstop-nightly")
    spec = nightly["spec"]
    job = spec["jobTemplate"]["spec"]
    pod = job["template"]["spec"]
    need(spec.get("concurrencyPolicy") == "Forbid", "concurrencyPolicy is not Forbid")
    need(job.get("completionMode") == "Indexed", "completionMode is not Indexed")
    n = job.get("completions")
    need(isinstance(n, int) and n > 0 and job.get("parallelism") == n, "completions and parallelism differ")
    need(job.get("backoffLimitPerIndex") is not None, "no backoffLimitPerIndex")
    need(pod.get("restartPolicy") == "Never", "restartPolicy is not Never (podFailurePolicy needs it)")
    workers = pod["containers"]
    need(len(workers) == 1, "the worker pod has more than one container")
    worker = workers[0]
    argv = worker.get("command", []) + worker.get("args", [])
    # backstop numbers partitions 1..N, Kubernetes completion indexes 0..N-1: a shell adds the 1.
    need(argv[:2] == ["/bin/sh", "-c"] and len(argv) == 3, f"the worker is not one shell command: {argv}")
    words = shlex.split(argv[-1]) if argv else []
    need(words[:3] == ["exec", "backstop-job", "nightly"], f"the worker does not exec backstop-job nightly: {words}")
    need(words[words.index("--shop") + 1:words.index("--shop") + 2] == ["all"] if "--shop" in words else False,
         "the worker does not run --shop all")
    partition = words[words.index("--partition") + 1] if "--partition" in words else None
    need(partition == f"$((JOB_COMPLETION_INDEX + 1))/{n}",
         f"--partition is {partition!r}, not $((JOB_COMPLETION_INDEX + 1))/{n} (completions = {n})")
    for rule in job.get("podFailurePolicy", {}).get("rules", []):
        if "onExitCodes" in rule:
            need(rule["onExitCodes"].get("containerName") == worker["name"],
                 "a podFailurePolicy rule names another container")

    for name, doc_pod in [("backstop-nightly", pod), ("backstop-fleet-report", cronjob(args.files, "backstop-fleet-report")[1]["spec"]["jobTemplate"]["spec"]["template"]["spec"])]:
        psc = doc_pod.get("securityContext", {})
        need(psc.get("runAsNonRoot") is True, f"{name}: runAsNonRoot is not true")
        need(isinstance(psc.get("runAsUser"), int) and psc["runAsUser"] != 0, f"{name}: no non-zero runAsUser")
        need(doc_pod.get("automountServiceAccountToken") is False, f"{name}: mounts a service account token")
        volumes = {v["name"] for v in doc_pod.get("volumes", [])}
        for container in doc_pod["containers"]:
            sc = container.get("securityContext", {})
            need(sc.get("readOnlyRootFilesystem") is True, f"{name}: root filesystem not read-only")
            need(sc.get("allowPrivilegeEscalation") is False, f"{name}: privilege escalation allowed")
            need(sc.get("capabilities", {}).get("drop") == ["ALL"], f"{name}: capabilities not all dropped")
            resources = container.get("resources", {})
            for kind in ("requests", "limits"):
                need("memory" in resources.get(kind, {}), f"{name}: no memory {kind}")
            for mount in container.get("volumeMounts", []):
                need(mount["name"] in volumes, f"{name}: volumeMount {mount['name']} has no volume")
            env = {e["name"]: e for e in container.get("env", [])}
            catalog = env.get("BACKSTOP_CATALOG", {})
            need("secretKeyRef" in catalog.get("valueFrom", {}), f"{name}: BACKSTOP_CATALOG is not from a Secret")
            for var in env:
                if var.startswith("BACKSTOP_"):
                    need(var in known_env, f"{name}: {var} is read nowhere in Sources/")
            # The Secret and ConfigMap it names exist in these files.
            for e in env.values():
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    need(any(d.get("kind") == "Secret" and d["metadata"]["name"] == ref["name"]
                             and ref["key"] in {**d.get("stringData", {}), **d.get("data", {})}
                             for _, d in documents(args.files)), f"{name}: no Secret {ref['name']}/{ref['key']}")
    for problem in problems:
        print(f"kube check: {path}: {problem}", file=sys.stderr)
    print(f"kube check: {'FAILED' if problems else 'ok'} ({len(problems)} problem(s))", file=sys.stderr)
    return 1 if problems else 0


def misspell(args):
    """One copy per field name, each with that one name misspelt; the strict validator must reject every copy."""
    text = Path(args.file).read_text(encoding="utf-8")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fields = ["backoffLimitPerIndex", "completionMode", "concurrencyPolicy", "readOnlyRootFilesystem",
              "allowPrivilegeEscalation", "secretKeyRef", "runAsNonRoot", "volumeMounts"]
    for i, field in enumerate(fields):
        wrong = field[:2] + field[3:]  # one letter dropped: backofLimitPerIndex, …
        assert re.search(rf"\b{field}:", text), field
        (out / f"{i:02d}-{field}.yaml").write_text(re.sub(rf"\b{field}:", f"{wrong}:", text, count=1), encoding="utf-8")
        print(out / f"{i:02d}-{field}.yaml")
    return 0


def simulate(args):
    """Runs what each of the Job's N pods would run, here, as N processes at once: the container's command
    and args with $(JOB_COMPLETION_INDEX) expanded for index 0..N-1, its environment (the Secret's value
    replaced by --catalog, BACKSTOP_CONFIG by the ConfigMap's file written to --work, the dump and report
    paths by local ones), `backstop-job` from deploy/container on PATH. Then the fleet CronJob's command.
    Prints each pod's exit code; exit 1 if any pod failed."""
    files = args.files
    _, nightly = cronjob(files, "backstop-nightly")
    job = nightly["spec"]["jobTemplate"]["spec"]
    worker = job["template"]["spec"]["containers"][0]
    n = job["completions"]
    work = Path(args.work)
    (work / "etc").mkdir(parents=True, exist_ok=True)
    for _, doc in documents(files):
        if doc.get("kind") == "ConfigMap" and doc["metadata"]["name"] == "backstop-config":
            (work / "etc" / "backstop.toml").write_text(doc["data"]["backstop.toml"], encoding="utf-8")
    reports = Path(args.reports)
    reports.mkdir(parents=True, exist_ok=True)
    local = {
        "BACKSTOP_CATALOG": args.catalog,
        "BACKSTOP_CONFIG": str(work / "etc" / "backstop.toml"),
        "BACKSTOP_DUMP": args.dump,
        "BACKSTOP_REPORT_DIR": str(reports),
    }

    def environment(container, extra):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "BACKSTOP_", "DATABASE_URL"))}
        env["PATH"] = f"{args.bin_dir}:{ROOT / 'deploy/container'}:{env.get('PATH', '/usr/bin:/bin')}"
        env["BACKSTOP_HOME"] = str(ROOT)  # as the image's ENV sets it: where sql/ is
        env["BACKSTOP_TERMINATION_LOG"] = str(work / f"termination-{extra.get('JOB_COMPLETION_INDEX', 'fleet')}")
        env.update(extra)
        for e in container.get("env", []):
            value = local.get(e["name"], e.get("value"))
            if value is None:
                sys.exit(f"kube simulate: no local value for {e['name']}")
            env[e["name"]] = expand(value, env)
        for extra_env in args.env:
            key, _, value = extra_env.partition("=")
            env[key] = value
        return env

    def argv(container, env):
        return [expand(a, env) for a in container.get("command", []) + container.get("args", [])]

    procs = []
    for index in range(n):
        env = environment(worker, {"JOB_COMPLETION_INDEX": str(index)})
        command = argv(worker, env)
        print(f"kube simulate: pod of completion index {index} (of {n}): {shlex.join(command)}", file=sys.stderr)
        log = open(work / f"pod-{index}.log", "wb")
        procs.append((index, subprocess.Popen(command, env=env, cwd=work, stdout=log, stderr=subprocess.STDOUT), log))
    failed = 0
    for index, proc, log in procs:
        status = proc.wait()
        log.close()
        message = (work / f"termination-{index}").read_text().strip() if (work / f"termination-{index}").exists() else ""
        print(f"kube simulate: pod {index} exited {status} ({message})", file=sys.stderr)
        if status != 0:
            failed += 1
            sys.stderr.write((work / f"pod-{index}.log").read_text(errors="replace")[-4000:])
    if args.fleet:
        _, fleet = cronjob(files, "backstop-fleet-report")
        container = fleet["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
        env = environment(container, {})
        command = [c.replace("/var/lib/backstop/reports", str(reports)) for c in argv(container, env)]
        print(f"kube simulate: fleet: {shlex.join(command)}", file=sys.stderr)
        status = subprocess.run(command, env=env, cwd=work).returncode
        print(f"kube simulate: fleet exited {status}", file=sys.stderr)
        failed += status != 0
    return 1 if failed else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("check")
    p.add_argument("files", nargs="+")
    p.set_defaults(run=check)
    p = sub.add_parser("misspell")
    p.add_argument("file")
    p.add_argument("out")
    p.set_defaults(run=misspell)
    p = sub.add_parser("simulate")
    p.add_argument("files", nargs="+")
    p.add_argument("--catalog", required=True)
    p.add_argument("--dump", required=True)
    p.add_argument("--reports", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--bin-dir", required=True)
    p.add_argument("--env", action="append", default=[], help="extra NAME=VALUE for every pod")
    p.add_argument("--fleet", action="store_true", help="also run the fleet CronJob's command")
    p.set_defaults(run=simulate)
    args = parser.parse_args()
    sys.exit(args.run(args))


if __name__ == "__main__":
    main()
