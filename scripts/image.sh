#!/usr/bin/env bash
# The Backstop container image (deploy/container/Containerfile), built and tested with podman.
#
#   scripts/image.sh base    make `debian:bookworm-slim` locally with debootstrap, unless podman has it
#   scripts/image.sh build   base, the release binary (Swift stdlib linked statically), then the image
#   scripts/image.sh test    the image against the embedded PostgreSQL: doctor, then the tiny world's nightly
#   scripts/image.sh size    print the image's size in bytes
#
# No container registry is reachable from the machines this project is built on, so `base` builds the
# bookworm base the Containerfile names from Debian's own packages (`debootstrap --variant=minbase`, trimmed
# the way Debian's slim images are) and tags it `docker.io/library/debian:bookworm-slim`; the build then
# runs with --pull=never. Where a registry is reachable, `podman build` or `docker build` pulls the real one.
# No Swift image can be pulled either, so the Containerfile's build stage takes the binary this script
# builds on the host with the same flags (`--build-arg PREBUILT=…`); see the Containerfile.
#
# Environment: BACKSTOP_IMAGE (name, default backstop), BACKSTOP_DEBIAN_MIRROR (default
# http://deb.debian.org/debian), CONTAINERS_CONF (default deploy/container/containers.conf: runc and a lower
# open-files limit, which these machines need), BACKSTOP_IMAGE_SCRATCH (the static build's folder, default
# .build-image).
set -euo pipefail
cd "$(dirname "$0")/.."

image=${BACKSTOP_IMAGE:-backstop}
base=docker.io/library/debian:bookworm-slim
mirror=${BACKSTOP_DEBIAN_MIRROR:-http://deb.debian.org/debian}
scratch=${BACKSTOP_IMAGE_SCRATCH:-.build-image}
export CONTAINERS_CONF=${CONTAINERS_CONF:-$PWD/deploy/container/containers.conf}
version=$(sed -n 's/.*static let version = "\(.*\)".*/\1/p' Sources/backstop/Backstop.swift)

die() { echo "image: $*" >&2; exit 1; }
say() { echo "image: $*" >&2; }

need() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 || die "$tool not found (make image installs podman, runc and debootstrap)"
    done
}

cmd_base() {
    need podman
    if podman image exists "$base"; then
        say "$base present ($(podman image inspect --format '{{index .Labels "org.opencontainers.image.description"}}' "$base" 2>/dev/null || true))"
        return
    fi
    need debootstrap
    [ "$(id -u)" = 0 ] || die "debootstrap needs root to build the base image (or: podman pull $base where a registry is reachable)"
    local work root started
    started=$(date +%s)
    work=$(mktemp -d "${TMPDIR:-/tmp}/backstop-base.XXXXXX")
    # Cleared as it runs: a RETURN trap outlives the function, and would fire again at the caller's return
    # (with `work` out of scope under `set -u`: the fresh-machine build failed there after the image was made).
    trap 'rm -rf "$work"; trap - RETURN' RETURN
    root=$work/rootfs
    say "debootstrap --variant=minbase bookworm from $mirror"
    debootstrap --variant=minbase --arch=amd64 bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
        || { tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed (log above)"; }
    # What Debian's own slim images do: apt sources with updates and security, no documentation, manual
    # pages or translations installed by later apt-get calls, no package lists or caches kept.
    rm -f "$root/etc/apt/sources.list"
    cat >"$root/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
    cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
DPKG
    cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT
    echo 'Acquire::Languages "none";' >"$root/etc/apt/apt.conf.d/docker-no-languages"
    find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
    find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
    rm -rf "$root"/usr/share/{man,info,groff,lintian,linda,locale}/* "$root"/var/lib/apt/lists/* \
        "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb "$root"/var/log/*.log \
        "$root"/var/cache/debconf/*-old "$root"/var/lib/dpkg/*-old
    : >"$root/etc/machine-id"
    tar --numeric-owner --xattrs -C "$root" -c . | podman import --quiet \
        --change 'CMD ["bash"]' \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change "LABEL org.opencontainers.image.description=\"Debian bookworm minbase built locally by scripts/image.sh from $mirror\"" \
        - "$base" >/dev/null
    say "built $base from debootstrap in $(( $(date +%s) - started ))s ($(podman image inspect --format '{{.Size}}' "$base") bytes)"
}

cmd_build() {
    cmd_base
    local started revision source
    started=$(date +%s)
    say "swift build -c release --static-swift-stdlib --product backstop (in $scratch)"
    # -lcurl: the static FoundationNetworking (URLSession, for image fetches) calls libcurl, and the
    # toolchain's static link line does not name it.
    swift build -c release --static-swift-stdlib -Xlinker -lcurl --product backstop --scratch-path "$scratch" >&2
    # The build context is a staging folder with just what the image holds (the binary, sql/, the
    # Containerfile's inputs), so it never sends .build or .backstop to the builder.
    local context=.backstop/image/context
    rm -rf "$context"
    mkdir -p "$context/prebuilt"
    # Stripped as the compile path of the Containerfile strips it (the symbols are most of its size).
    strip -o "$context/prebuilt/backstop" "$scratch/release/backstop"
    cp -R sql "$context/sql"
    cp README.md "$context/README.md"
    mkdir -p "$context/deploy"
    cp -R deploy/container "$context/deploy/container"
    revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
    git diff --quiet HEAD -- 2>/dev/null || revision="$revision-dirty"
    source=$(git remote get-url origin 2>/dev/null || echo "file://$PWD")
    podman build --pull=never --format docker --network host \
        -f deploy/container/Containerfile \
        --build-arg PREBUILT=prebuilt/backstop \
        --build-arg BUILD_IMAGE="$base" \
        --build-arg VERSION="$version" \
        --build-arg REVISION="$revision" \
        --build-arg SOURCE="$source" \
        -t "$image:$version" -t "$image:latest" "$context" >&2
    # The previous build's image, untagged by this one.
    podman image prune -f --filter label=org.opencontainers.image.title=backstop >/dev/null
    say "built $image:$version in $(( $(date +%s) - started ))s: $(cmd_size) bytes"
}

cmd_size() { podman image inspect --format '{{.Size}}' "$image:latest"; }

cmd_test() { exec scripts/image-test.sh "$image:latest"; }

case "${1:-}" in
    base) cmd_base ;;
    build) cmd_build ;;
    test) cmd_test ;;
    size) cmd_size ;;
    *) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 64 ;;
esac
