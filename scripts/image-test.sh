#!/usr/bin/env bash
# npm run image:test — builds the container image and smoke-tests it on this machine, with no container
# registry: the base image is built locally (scripts/image-base.sh), the app image with
# `podman build --pull=never`, then a web and a worker container run against the local PostgreSQL
# (a database created and dropped here) and Redis (a queue prefix of their own), with Stripe served by
# the project's emulator and mail received by an SMTP sink, both on the host's loopback.
#
# Checks: /healthz, a join paid through the emulator's checkout, the welcome and receipt emails, the
# health check, and that SIGTERM (`podman stop`) ends both containers with exit code 0 promptly.
#
# Needs root (rootful podman, mmdebstrap), PostgreSQL on 127.0.0.1:5432 (trust for postgres) and Redis on
# 127.0.0.1:6379; installs podman, buildah, mmdebstrap and runc from apt when missing.
# Environment: PGURL (default postgres://postgres@127.0.0.1:5432/postgres), REDIS_URL (default
# redis://127.0.0.1:6379), IMAGE (default localhost/welgee-family:latest).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then exec sudo --preserve-env=PGURL,REDIS_URL,IMAGE,XDG_CACHE_HOME "$0" "$@"; fi

PGURL=${PGURL:-postgres://postgres@127.0.0.1:5432/postgres}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
IMAGE=${IMAGE:-localhost/welgee-family:latest}
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt

started=$SECONDS
phase_started=$SECONDS
timings=()
log() { printf '\n==> %s\n' "$*"; }
phase_done() { timings+=("$(printf '%-28s %4ss' "$1" $((SECONDS - phase_started)))"); phase_started=$SECONDS; }
fail() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }

# 1. Tools (Debian packages, only the missing ones).
missing=()
for tool in podman buildah mmdebstrap runc; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
for tool in psql redis-cli; do command -v "$tool" >/dev/null || fail "$tool is needed (apt-get install postgresql-client redis-tools)"; done
[ -x node_modules/.bin/tsx ] || fail 'run npm install first'
[ -s "$CA_BUNDLE" ] || fail "$CA_BUNDLE is missing"
phase_done 'tools'

work=$(mktemp -d /tmp/wf-image-test.XXXXXX)
id=$(basename "$work" | cut -d. -f2 | tr 'A-Z' 'a-z')
web=wf-image-web-$id
worker=wf-image-worker-$id
db=wf_image_$id
prefix=image_$id
services_pid=

# Podman's default runtime (crun) cannot start containers on these machines.
cat > "$work/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
EOF
export CONTAINERS_CONF="$work/containers.conf"

cleanup() {
  local status=$?
  set +e
  if [ "$status" != 0 ]; then
    for c in "$web" "$worker"; do
      podman container exists "$c" 2>/dev/null && { echo "--- last lines of $c"; podman logs --tail 30 "$c" 2>&1 | cut -c1-300; }
    done
    [ -s "$work/services.log" ] && { echo '--- host services'; tail -n 20 "$work/services.log"; }
  fi
  podman rm -f -t 0 "$web" "$worker" >/dev/null 2>&1
  if [ -n "$services_pid" ]; then kill -TERM "$services_pid" 2>/dev/null; wait "$services_pid" 2>/dev/null; fi
  psql "$PGURL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
  redis-cli -u "$REDIS_URL" --scan --pattern "$prefix:*" 2>/dev/null | xargs -r redis-cli -u "$REDIS_URL" del >/dev/null 2>&1
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 2. The base image, built once and cached outside the clone.
log 'base image node:20-bookworm-slim'
nice -n 10 scripts/image-base.sh
phase_done 'base image'

# 3. The app image. npm inside the build reaches the registry through this machine's TLS-re-signing
#    proxy: the host's CA bundle and an npmrc naming it are mounted for the build only, as npm's global
#    config folder (/usr/local/etc, which exists and stays empty in the image).
log "podman build $IMAGE"
build_log="${XDG_CACHE_HOME:-$HOME/.cache}/welgee-family/image-build.log"
mkdir -p "$work/npm-etc"
cp "$CA_BUNDLE" "$work/npm-etc/ca-certificates.crt"
printf 'cafile=/usr/local/etc/ca-certificates.crt\nregistry=%s\n' "$(npm config get registry)" > "$work/npm-etc/npmrc"
if ! nice -n 10 podman build --pull=never --format docker -v "$work/npm-etc:/usr/local/etc:ro" -t "$IMAGE" . > "$build_log" 2>&1; then
  tail -n 40 "$build_log"
  fail "podman build (log: $build_log)"
fi
echo "build log: $build_log"
size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
phase_done 'image build'

# Nothing of the build's secrets or tools in the image: no CA bundle, no npmrc, no typescript, no tsx.
leftovers=$(podman run --rm --network=none --no-healthcheck --entrypoint sh "$IMAGE" -c \
  'ls -d node_modules/typescript node_modules/tsx /usr/local/etc/* /etc/ssl/certs/* 2>/dev/null; true')
[ -z "$leftovers" ] || fail "the image holds $leftovers"
echo 'ok   the image holds no CA bundle, npmrc, typescript or tsx'

# 4. Host services: a fresh database, the Stripe emulator and the SMTP sink on loopback.
log 'database, Stripe emulator and SMTP sink'
psql "$PGURL" -qc "CREATE DATABASE $db" >/dev/null
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
webhook_secret=whsec_$(node -e "console.log(require('crypto').randomBytes(16).toString('hex'))")
node --import tsx scripts/image-test-services.ts "http://127.0.0.1:$port/webhooks/stripe" "$webhook_secret" "$work/mail" "$work/services.env" > "$work/services.log" 2>&1 &
services_pid=$!
for _ in $(seq 1 120); do [ -s "$work/services.env" ] && break; kill -0 "$services_pid" 2>/dev/null || fail 'host services did not start'; sleep 0.25; done
[ -s "$work/services.env" ] || fail 'host services did not start'
db_url=$(node -e "const u=new URL(process.argv[1]);u.pathname='/$db';console.log(u.toString())" "$PGURL")
{
  echo "DATABASE_URL=$db_url"
  echo "REDIS_URL=$REDIS_URL"
  echo "QUEUE_PREFIX=$prefix"
  echo "PORT=$port"
  echo "HOST=127.0.0.1"
  echo "PUBLIC_URL=http://127.0.0.1:$port"
  echo "SESSION_SECRET=$(node -e "console.log(require('crypto').randomBytes(36).toString('base64url'))")"
  echo "ADMIN_EMAIL=admin@welgee.example"
  echo "ADMIN_PASSWORD=$(node -e "console.log(require('crypto').randomBytes(12).toString('base64url'))")"
  echo "MAIL_FROM=WELgee <family@welgee.example>"
  cat "$work/services.env"
} > "$work/app.env"
phase_done 'host services'

# 5. The containers: Stripe set up with the image's own CLI, then web and worker on the host network.
log 'containers'
podman run --rm --network=host --env-file "$work/app.env" --no-healthcheck --entrypoint node "$IMAGE" dist/src/cli/stripe-setup.js
# Podman runs health checks from systemd timers, and there is no systemd here: the image's check is run
# once by hand below. (The worker has no HTTP port; compose.yaml turns the check off for it too.)
# Read-only root file systems, as in compose.yaml.
podman run -d --name "$web" --network=host --env-file "$work/app.env" --read-only --no-healthcheck "$IMAGE" web >/dev/null
podman run -d --name "$worker" --network=host --env-file "$work/app.env" --read-only --no-healthcheck "$IMAGE" worker >/dev/null
node --import tsx scripts/image-test-smoke.ts "http://127.0.0.1:$port" "$work/mail" || fail 'smoke test'
worker_log=$(podman logs "$worker" 2>&1)
grep -q '"worker started"' <<<"$worker_log" || fail 'the worker did not log "worker started"'
echo 'ok   the worker started'
mapfile -d '' -t health < <(podman image inspect --format '{{json .HealthCheck.Test}}' "$IMAGE" \
  | node -e "const t=JSON.parse(require('fs').readFileSync(0,'utf8'));if(t[0]==='CMD')process.stdout.write(t.slice(1).join('\0')+'\0')")
[ ${#health[@]} -gt 0 ] || fail 'the image has no HEALTHCHECK'
podman exec "$web" "${health[@]}" || fail 'the image health check'
echo 'ok   the image health check passes in the web container'
phase_done 'containers and checks'

# 6. SIGTERM: both containers stop on their own, with exit code 0, well before podman's SIGKILL.
log 'podman stop (SIGTERM)'
stop_started=$(date +%s%N)
podman stop -t 30 "$web" "$worker" >/dev/null
stop_ms=$((($(date +%s%N) - stop_started) / 1000000))
for c in "$web" "$worker"; do
  code=$(podman inspect --format '{{.State.ExitCode}}' "$c")
  [ "$code" = 0 ] || fail "$c exited with $code"
done
[ "$stop_ms" -lt 15000 ] || fail "stopping took ${stop_ms} ms"
echo "ok   web and worker exited 0 on SIGTERM in ${stop_ms} ms"
phase_done 'stop'

log 'done: all checks passed'
echo "image $IMAGE: $((size / 1000000)) MB"
printf '%s\n' "${timings[@]}"
printf '%-28s %4ss\n' 'total' $((SECONDS - started))
