#!/bin/bash
# runtime-rootfs.sh DEST BINARY: gathers, from this Debian bookworm-slim stage with the runtime packages
# installed, the files the Backstop image runs BINARY (`backstop`) with into DEST, which the Containerfile's
# last stage copies onto `scratch` (and then adds `backstop` itself and its share/ folder).
#
# What DEST holds, and nothing else:
#   - every shared library BINARY loads (its ldd closure, the loader included); /bin/sh (dash) for
#     backstop-job, the schedulers' wrapper, and `date` for deploy/kubernetes' fleet step;
#   - what those libraries read at run time: the CA certificates (TLS to the catalog and to the image
#     mirror), OpenSSL's configuration, the time-zone database, nsswitch.conf; /etc/passwd and /etc/group with
#     root and the `backstop` user (uid/gid 10001); /etc/os-release;
#   - for every Debian package a file was taken from: its copyright file (/usr/share/doc/PKG/copyright) and
#     its dpkg status entry in /var/lib/dpkg/status.d/PKG, the layout distroless images use, so that image
#     scanners (Trivy, Grype) still see which Debian packages and versions the image carries.
# Debian's apt, dpkg, perl, the rest of coreutils, glibc's gconv modules and the rest of the base (60 of its
# 75 MB) stay behind.
#
# Library paths are kept as Debian installs them under merged /usr (/lib, /lib64 and /bin are symlinks into
# /usr); a library reached through a symlink (libblas.so.3 through /etc/alternatives to OpenBLAS's) is copied
# as the file the link resolves to, under the name the loader asks for.
set -euo pipefail
dest=${1:?usage: runtime-rootfs.sh DEST BINARY}
binary=${2:?usage: runtime-rootfs.sh DEST BINARY}

mkdir -p "$dest"/usr/{bin,lib,lib64,sbin} "$dest"/etc "$dest"/var/lib/dpkg/status.d "$dest"/usr/share/doc
for dir in bin lib lib64 sbin; do ln -s "usr/$dir" "$dest/$dir"; done
install -d -m 1777 "$dest/tmp"

# Records which package a path comes from (dpkg knows bookworm's libraries under /lib, others under /usr).
packages=()
owner() {
    local path=$1 real
    real=$(readlink -f "$path")
    for candidate in "$path" "$real" "${real#/usr}"; do
        if dpkg-query -S "$candidate" 2>/dev/null | sed -n '1s/:.*//p' | grep .; then return; fi
    done
}
note_owner() {
    local package
    package=$(owner "$1") || true
    [ -n "$package" ] || { echo "runtime-rootfs: no Debian package owns $1" >&2; exit 1; }
    packages+=("$package")
}

# copy PATH: the file PATH names (symlinks resolved) at PATH's place in DEST, directories made on the way.
copy() {
    local path=$1 dir
    dir=$(readlink -f "$(dirname "$path")")
    mkdir -p "$dest$dir"
    cp -L --preserve=mode,timestamps "$path" "$dest$dir/$(basename "$path")"
    note_owner "$path"
}

# The shared libraries a program loads, as the loader resolves them here.
closure() { ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'; }

# backstop-job's shell, dash as /bin/sh as Debian has it, and `date` for the fleet step's `--since` in
# deploy/kubernetes (GNU date: `date -u -d '6 hours ago'`). No other tools: the image test runs those
# commands as the manifests give them.
copy /usr/bin/dash
ln -s dash "$dest/usr/bin/sh"
copy /usr/bin/date
for library in $(closure "$binary") $(closure /usr/bin/dash) $(closure /usr/bin/date); do
    [ -e "$dest$(readlink -f "$(dirname "$library")")/$(basename "$library")" ] || copy "$library"
done

# CA certificates (libpq's sslrootcert and libcurl read the bundle) and OpenSSL's configuration, with the
# links Debian's libssl looks through (/usr/lib/ssl/{certs,cert.pem,openssl.cnf}).
# (The bundle is made by update-ca-certificates when the package is installed: dpkg lists no owner for it.)
install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$dest/etc/ssl/certs/ca-certificates.crt"
note_owner /usr/sbin/update-ca-certificates
cp -a /usr/lib/ssl "$dest/usr/lib/ssl"
rm -rf "$dest/usr/lib/ssl/misc"
cp /etc/ssl/openssl.cnf "$dest/etc/ssl/openssl.cnf"
note_owner /etc/ssl/openssl.cnf
install -d -m 0700 "$dest/etc/ssl/private"

# The time-zone database (the image sets TZ=UTC; a deployment may name another zone) and the name-service
# switch.
cp -a /usr/share/zoneinfo "$dest/usr/share/zoneinfo"
note_owner /usr/share/zoneinfo/UTC
ln -s /usr/share/zoneinfo/Etc/UTC "$dest/etc/localtime"
cp /etc/nsswitch.conf "$dest/etc/nsswitch.conf"
note_owner /usr/share/libc-bin/nsswitch.conf  # (libc-bin's postinst writes /etc's copy from this one)
cp -a /etc/os-release "$dest/etc/os-release"
copy /usr/lib/os-release

# Users: root, and backstop (made by the Containerfile before this script runs).
grep -E '^(root|backstop):' /etc/passwd >"$dest/etc/passwd"
grep -E '^(root|backstop):' /etc/group >"$dest/etc/group"
install -d -o 10001 -g 10001 -m 0750 "$dest/var/lib/backstop" "$dest/var/lib/backstop/reports"

# The packages, for scanners and for their licences.
for package in $(printf '%s\n' "${packages[@]}" | sort -u); do
    dpkg-query -s "$package" >"$dest/var/lib/dpkg/status.d/$package"
    if [ -f "/usr/share/doc/$package/copyright" ]; then
        install -D -m 0644 "/usr/share/doc/$package/copyright" "$dest/usr/share/doc/$package/copyright"
    fi
done
# Every file dated at the epoch: the same libraries give the same layer, which the next build reuses.
find "$dest" -exec touch -h -d @0 {} +
echo "runtime-rootfs: $(du -sb "$dest" | cut -f1) bytes from $(ls "$dest/var/lib/dpkg/status.d" | wc -l) Debian packages:" \
    $(ls "$dest/var/lib/dpkg/status.d") >&2
