#!/usr/bin/env bash
# Build the dashboard's container image with no image registry, and smoke-test it.
#
#  1. A Debian bookworm root file system made by debootstrap from Debian's own mirror, with
#     python3, python3-venv and chromium in it, imported as the base image (docker import).
#  2. The Python wheels of requirements.txt fetched with pip on this machine (.build/wheels),
#     so the image build itself needs no network.
#  3. docker build, then two runs: without sign-in set up it must refuse to serve (exit 2);
#     with a secrets file holding [auth] it must answer /_stcore/health with "ok" and be
#     reported healthy by Docker's HEALTHCHECK.
#
# Needs root, debootstrap and Debian's docker.io (apt-get install debootstrap docker.io);
# starts dockerd if it is not running (and stops it again). Re-running reuses the base
# image unless REBUILD_BASE=1. Prints what it ran; exit 0 only if every check passed.
set -euo pipefail
cd "$(dirname "$0")/.."
BASE_IMAGE="${BASE_IMAGE:-cipdash-base:bookworm}"
IMAGE="${IMAGE:-cipdash:local}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
BUILD=".build"
PORT="${PORT:-18501}"
say() { printf '\n== %s\n' "$*"; }

for tool in docker dockerd debootstrap; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install debootstrap docker.io" >&2; exit 2; }
done

started_dockerd=""
if ! docker info >/dev/null 2>&1; then
  say "starting dockerd"
  dockerd >"$BUILD.dockerd.log" 2>&1 &
  started_dockerd=$!
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { echo "dockerd did not start; see $BUILD.dockerd.log" >&2; exit 2; }
fi
containers=()
cleanup() {
  for c in "${containers[@]}"; do docker rm -f "$c" >/dev/null 2>&1 || true; done
  if [ -n "$started_dockerd" ]; then kill "$started_dockerd" 2>/dev/null || true; wait "$started_dockerd" 2>/dev/null || true; fi
}
trap cleanup EXIT

mkdir -p "$BUILD/wheels"
if [ "${REBUILD_BASE:-0}" = 1 ] || ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  say "debootstrap bookworm (python3, python3-venv, chromium) from $MIRROR"
  rootfs="$BUILD/rootfs"
  rm -rf "$rootfs"
  start=$(date +%s)
  debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates,passwd \
    bookworm "$rootfs" "$MIRROR" >"$BUILD/debootstrap.log" 2>&1 \
    || { tail -20 "$BUILD/debootstrap.log" >&2; exit 1; }
  # Chromium through apt inside the new root (debootstrap's own resolver cannot pick
  # between the alternatives its desktop libraries depend on).
  cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
  mount -t proc proc "$rootfs/proc"
  chroot_ok=0
  (chroot "$rootfs" apt-get update -qq && DEBIAN_FRONTEND=noninteractive chroot "$rootfs" \
     apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core) >>"$BUILD/debootstrap.log" 2>&1 \
     && chroot_ok=1
  umount "$rootfs/proc"
  [ "$chroot_ok" = 1 ] || { tail -20 "$BUILD/debootstrap.log" >&2; exit 1; }
  : >"$rootfs/etc/resolv.conf"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  say "docker import -> $BASE_IMAGE ($(du -sh "$rootfs" | cut -f1), debootstrap took $(( $(date +%s) - start )) s)"
  tar -C "$rootfs" -c . | docker import - "$BASE_IMAGE"
  rm -rf "$rootfs"
fi

say "pip download the wheels of requirements.txt (cp311, manylinux x86_64)"
rm -f "$BUILD"/wheels/*.whl
"${PYTHON:-.venv/bin/python}" -m pip download -q --only-binary=:all: --python-version 3.11 --platform manylinux2014_x86_64 \
  --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 --platform any \
  -d "$BUILD/wheels" -r requirements.txt 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }
echo "$(ls "$BUILD"/wheels/*.whl | wc -l) wheels"

say "docker build -t $IMAGE (FROM $BASE_IMAGE)"
start=$(date +%s)
docker build --network none --build-arg BASE="$BASE_IMAGE" -t "$IMAGE" .
echo "built in $(( $(date +%s) - start )) s; image $(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}')"

say "run without sign-in: must refuse to serve beyond the container (exit 2)"
name="cipdash-smoke-nosignin-$$"; containers+=("$name")
docker run --name "$name" "$IMAGE" >"$BUILD/nosignin.log" 2>&1 || true
code=$(docker inspect -f '{{.State.ExitCode}}' "$name")
grep -q "Refusing to listen on 0.0.0.0 without sign-in" "$BUILD/nosignin.log" && [ "$code" = 2 ] \
  || { echo "expected the refusal and exit 2, got exit $code:"; cat "$BUILD/nosignin.log"; exit 1; }
echo "refused, exit $code: $(grep -o 'Refusing to listen on [^:]*' "$BUILD/nosignin.log")"

say "run with [auth] in a mounted secrets file: health endpoint and HEALTHCHECK"
secrets="$(mktemp -d)/secrets.toml"
cat >"$secrets" <<TOML
[auth]
redirect_uri = "http://localhost:$PORT/oauth2callback"
cookie_secret = "$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
client_id = "smoke-test"
client_secret = "$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"
TOML
chmod 644 "$secrets"
name="cipdash-smoke-$$"; containers+=("$name")
docker run -d --name "$name" -p "127.0.0.1:$PORT:8501" -e CIPDASH_ALLOWED_HOSTS=localhost \
  -v "$secrets:/app/.streamlit/secrets.toml:ro" "$IMAGE" >/dev/null
ok=""
for _ in $(seq 120); do
  if [ "$(curl -s "http://127.0.0.1:$PORT/_stcore/health" || true)" = "ok" ]; then ok=1; break; fi
  sleep 1
done
[ -n "$ok" ] || { docker logs "$name" | tail -30; echo "the health endpoint did not answer"; exit 1; }
echo "GET /_stcore/health -> ok"
echo "user in the container: $(docker exec "$name" id -un) (uid $(docker exec "$name" id -u))"
echo "chromium: $(docker exec "$name" chromium --version 2>/dev/null || echo missing)"
for _ in $(seq 90); do
  health=$(docker inspect -f '{{.State.Health.Status}}' "$name")
  [ "$health" = healthy ] && break
  sleep 2
done
echo "docker HEALTHCHECK: $health"
[ "$health" = healthy ] || exit 1
echo "volumes: $(docker inspect -f '{{range .Mounts}}{{.Destination}} {{end}}' "$name")"
say "all checks passed"
