#!/usr/bin/env bash
# The Kubernetes manifests (deploy/kubernetes), checked in `make test` (about 15 s; 40 s the first time,
# when it installs kubernetes-validate from PyPI into .backstop/venv/deploy):
#   1. `kubernetes-validate --strict` against Kubernetes 1.37 (schema, and no unknown field: without
#      --strict a misspelt field passes);
#   2. the check is not vacuous: copies of the CronJob with one field name misspelt each are all rejected;
#   3. scripts/deploy/kube.py check: what no schema says (completions = parallelism = the N of
#      --partition K/N, K = the completion index + 1 (backstop counts from 1), Indexed, Forbid, per-index backoff, non-root, read-only root, no escalation, no
#      capabilities, BACKSTOP_CATALOG from a Secret, every BACKSTOP_* variable one the CLI reads, volumes
#      that exist); a copy with completions changed must fail it;
#   4. the Indexed Job run here: the worker pod's command once per completion index as N processes at once
#      against the tiny world in the local PostgreSQL, then the fleet step; the union of the partitions'
#      findings must equal one `--shop all` run's, nothing twice, nothing missing.
# Step 4 needs `--shop all`, `--partition` and `backstop fleet` (issue 18); until the binary has them it
# prints SKIPPED loudly and says why.
set -euo pipefail
cd "$(dirname "$0")/../.."
k8s_version=1.37.0
validator_version=1.37.0
venv=.backstop/venv/deploy
say() { echo "40-deploy: $*" >&2; }

if ! "$venv/bin/kubernetes-validate" --version 2>/dev/null | grep -qx "$validator_version"; then
    say "installing kubernetes-validate $validator_version into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv" || { say "python3 -m venv failed (make setup installs python3-venv)"; exit 1; }
    "$venv/bin/pip" install --quiet --disable-pip-version-check "kubernetes-validate==$validator_version"
fi
py=$venv/bin/python
validate() { "$venv/bin/kubernetes-validate" --strict --quiet --kubernetes-version "$k8s_version" "$@"; }

manifests=(deploy/kubernetes/*.yaml)
validate "${manifests[@]}"
say "1. ${#manifests[@]} manifests valid (--strict, Kubernetes $k8s_version)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/backstop-deploy.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mapfile -t broken < <("$py" scripts/deploy/kube.py misspell deploy/kubernetes/cronjob.yaml "$tmp/misspelt")
for copy in "${broken[@]}"; do
    if validate "$copy" >/dev/null 2>&1; then
        say "FAIL: $copy has a misspelt field and passed kubernetes-validate --strict"
        exit 1
    fi
done
say "2. ${#broken[@]} copies with a misspelt field rejected"

"$py" scripts/deploy/kube.py check "${manifests[@]}"
sed 's/^      completions: \([0-9]*\)/      completions: 9\1/' deploy/kubernetes/cronjob.yaml >"$tmp/cronjob.yaml"
if "$py" scripts/deploy/kube.py check "$tmp/cronjob.yaml" deploy/kubernetes/secret.example.yaml >/dev/null 2>&1; then
    say "FAIL: a CronJob whose completions differ from --partition's N passed the check"
    exit 1
fi
say "3. the contract holds (and a copy with completions changed fails it)"

bindir=${BACKSTOP_TEST_BIN_DIR:-$PWD/.build/debug}  # where backstop and worldgen are
bin=$bindir/backstop
worldgen=$bindir/worldgen
[ -x "$bin" ] || swift build --product backstop >&2
[ -x "$worldgen" ] || swift build --product worldgen >&2
missing=()
"$bin" nightly --help 2>&1 | grep -q -- '--partition' || missing+=("nightly --shop all --partition K/N")
# (`backstop fleet --help` would print the main help and exit 0 without a fleet command: ask the list.)
"$bin" --help | grep -qE '^  fleet ' || missing+=("backstop fleet")
if [ "${#missing[@]}" -gt 0 ]; then
    say "################################################################################################"
    needs=$(printf '%s, ' "${missing[@]}")
    say "4. SKIPPED: the Indexed Job simulation needs ${needs%, } (issue 18, not in this build yet)"
    say "################################################################################################"
    exit 0
fi

admin=${BACKSTOP_TEST_PG:-"$(scripts/localpg.sh conninfo) dbname=postgres"}
db=backstop_k8s_simulation
catalog="${admin/dbname=postgres/} dbname=$db"
psql -X -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
world=data/tiny
[ -d "$world/images/upload" ] || "$worldgen" render-images --world "$world" >&2
"$worldgen" load-catalog --world "$world" --conninfo "$catalog" >&2
"$bin" db migrate --catalog "$catalog" >&2
export BACKSTOP_IMAGE_MIRROR="https://cvety.kz/=$PWD/$world/images/"
# No model yet: the partitions race to fit the first one; the first to finish wins and the others adopt it
# (IndexStore.makeCurrent), so the later single run uses the same model and the union must equal it.
"$py" scripts/deploy/kube.py simulate "${manifests[@]}" --fleet \
    --catalog "$catalog" --dump "$PWD/$world/bitrix/dump.sql" --reports "$tmp/partitions" \
    --work "$tmp/work" --bin-dir "$bindir" --env BACKSTOP_IMAGE_MIRROR="$BACKSTOP_IMAGE_MIRROR"
set +e
"$bin" nightly --catalog "$catalog" --dump "$world/bitrix/dump.sql" --shop all --report-dir "$tmp/single" >/dev/null
status=$?
set -e
[ "$status" = 0 ] || [ "$status" = 2 ] || { say "FAIL: the single --shop all run exited $status"; exit 1; }
union() { find "$1" -name discrepancies.ndjson -exec cat {} + | LC_ALL=C sort; }
union "$tmp/partitions" >"$tmp/partitions.ndjson"
union "$tmp/single" >"$tmp/single.ndjson"
if ! cmp -s "$tmp/partitions.ndjson" "$tmp/single.ndjson"; then
    say "FAIL: the partitions' findings differ from one --shop all run (< partitions, > single):"
    diff "$tmp/partitions.ndjson" "$tmp/single.ndjson" | head -n 20 >&2
    exit 1
fi
[ -s "$tmp/single.ndjson" ] || { say "FAIL: the single run found nothing (the tiny world has planted drift)"; exit 1; }
[ -f "$tmp/partitions/fleet/index.html" ] || { say "FAIL: the fleet step wrote no fleet/index.html"; exit 1; }
psql -X -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
say "4. the $("$py" -c "import yaml,sys; print(next(d for d in yaml.safe_load_all(open(sys.argv[1])) if d)['spec']['jobTemplate']['spec']['completions'])" deploy/kubernetes/cronjob.yaml) partitions' union equals one --shop all run ($(wc -l <"$tmp/single.ndjson") findings), and the fleet page was written"
