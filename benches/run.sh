#!/usr/bin/env bash
# Measures mfa-env against the targets in README.md ("Performance") and prints one table: each
# figure, the reference measured in this same run, the ratio, and the target. Times are medians
# of interleaved rounds (benches/pairs.py: each round runs the figure and its reference once,
# in a shuffled order), with min-max; the binary timed is the one users install: the static
# release archive's (x86_64 musl) when its target is installed, and `cargo install`'s (glibc).
#
#   benches/run.sh                      everything, including a clean release build (~3 min)
#   BENCH_CLEAN_BUILD=0 benches/run.sh  skip the clean build
#   BENCH_GLIBC_STATIC=0 benches/run.sh skip the glibc static-pie build timed beside musl's
#
# Needs hyperfine, moto_server, aws (awscli), python3 and GNU time. Exits non-zero only when it
# cannot measure; a missed target is reported in the table, not as a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in hyperfine moto_server aws python3 /usr/bin/time cargo curl; do
    command -v "$tool" >/dev/null || { echo "benches/run.sh: $tool is required" >&2; exit 2; }
done

work=$(mktemp -d)
moto_pid=
cleanup() {
    [ -n "$moto_pid" ] && kill "$moto_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

rust_version=$(rustc --version | cut -d' ' -f1-2) # before HOME changes: rustup needs it
echo "building the release binary..." >&2
cargo build --release --quiet
gnu_bin=$PWD/target/release/mfa-env
bin=$gnu_bin
static_bin=
if rustup target list --installed 2>/dev/null | grep -q x86_64-unknown-linux-musl && command -v musl-gcc >/dev/null; then
    echo "building the static release binary (x86_64-unknown-linux-musl)..." >&2
    CC_x86_64_unknown_linux_musl=musl-gcc cargo build --release --quiet --target x86_64-unknown-linux-musl
    static_bin=$PWD/target/x86_64-unknown-linux-musl/release/mfa-env
    bin=$static_bin
fi

# glibc's static-pie, measured beside musl's to show the linking choice (not shipped: see README).
glibc_static_bin=
if [ -n "$static_bin" ] && [ "${BENCH_GLIBC_STATIC:-1}" != 0 ]; then
    echo "building glibc's static-pie (for comparison)..." >&2
    RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --quiet \
        --target x86_64-unknown-linux-gnu --target-dir target/glibc-static
    glibc_static_bin=$PWD/target/glibc-static/x86_64-unknown-linux-gnu/release/mfa-env
fi

build_secs=
if [ "${BENCH_CLEAN_BUILD:-1}" != 0 ]; then
    echo "clean release build (separate target directory)..." >&2
    start=$(date +%s.%N)
    cargo build --release --quiet --target-dir "$work/clean-target"
    build_secs=$(python3 -c "print(round($(date +%s.%N) - $start, 1))")
fi
size_bytes=$(stat -c %s "$bin")
exe_bytes=
if rustup target list --installed 2>/dev/null | grep -q x86_64-pc-windows-gnu; then
    echo "building the Windows release binary..." >&2
    cargo build --release --quiet --target x86_64-pc-windows-gnu --target-dir target/windows
    exe_bytes=$(stat -c %s target/windows/x86_64-pc-windows-gnu/release/mfa-env.exe)
fi

# moto on a free loopback port.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && break
    sleep 0.1
done
endpoint=http://127.0.0.1:$port

# A home with long-term keys and an MFA device, and an empty one.
home=$work/home
empty=$work/empty
mkdir -p "$home/.aws" "$empty"
cat >"$home/.aws/credentials" <<EOF
[default]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
EOF
printf '[default]\nmfa_serial = arn:aws:iam::123456789012:mfa/bench\n' >"$home/.aws/config"

# A home with 200 more profiles, for `list`.
many=$work/many
mkdir -p "$many"
cp -r "$home/.aws" "$many/"
python3 - "$many/.aws/config" <<'PY'
import sys
with open(sys.argv[1], "a") as config:
    for i in range(200):
        config.write(f"[profile p{i}]\nrole_arn = arn:aws:iam::123456789012:role/r{i}\nsource_profile = default\nmfa_serial = arn:aws:iam::123456789012:mfa/bench\n")
PY

# Only what the runs need, and nothing from the caller's AWS setup.
for v in $(env | grep -o '^AWS_[A-Z_]*'); do unset "$v"; done
export HOME=$home AWS_ENDPOINT_URL_STS=$endpoint AWS_DEFAULT_REGION=us-east-1 SHELL=/bin/bash
"$bin" -s bash -t 123456 >/dev/null # warm the session cache

median_ms() { # hyperfine JSON file, command index
    python3 -c "import json, sys; print(round(json.load(open(sys.argv[1]))['results'][int(sys.argv[2])]['median'] * 1000, 2))" "$1" "$2"
}
pairs=$PWD/benches/pairs.py
# pairs.py JSON file, command index: "median" or "min-max"
pm() { python3 -c "import json, sys; r = json.load(open(sys.argv[1]))[int(sys.argv[2])]; print(r['median'] if sys.argv[3] == 'median' else f\"{r['min']}-{r['max']}\")" "$1" "$2" "$3"; }

echo "timing the paths without network (interleaved)..." >&2
python3 "$pairs" 300 :: /bin/true \
    :: "$bin" --unset -s bash \
    :: "$bin" init bash \
    :: "$bin" --help \
    :: "$bin" -s bash \
    :: "$bin" status \
    :: "$bin" completions bash >"$work/local.json"
# `status --short` as a prompt runs it: in a shell that holds the session (else it exits 1).
session=$("$bin" -s bash)
(eval "$session" && python3 "$pairs" 300 :: /bin/true :: "$bin" status --short) >"$work/short.json"
(eval "$session" && python3 "$pairs" 300 :: /bin/true :: "$gnu_bin" --unset -s bash :: "$gnu_bin" status --short) >"$work/gnu.json"
if [ -n "$glibc_static_bin" ]; then
    python3 "$pairs" 300 :: /bin/true :: "$bin" --unset -s bash :: "$glibc_static_bin" --unset -s bash \
        :: "$bin" -s bash :: "$glibc_static_bin" -s bash >"$work/linking.json"
fi

# `status` as users run it, with no endpoint configured (the STS endpoint by the rules). The
# session cached above is for moto's endpoint, so this one finds none and exits 1.
(unset AWS_ENDPOINT_URL_STS && python3 "$pairs" 300 :: /bin/true :: exit=1 "$bin" status) >"$work/plain.json"

# `list` reads the 200-profile home; /bin/true is timed again beside it, in the same run.
HOME=$many python3 "$pairs" 300 :: /bin/true :: "$bin" list >"$work/list.json"

echo "timing exec with a cached session..." >&2
python3 "$pairs" 300 :: sh -c '/bin/true; :' :: "$bin" exec -- /bin/true >"$work/exec.json"

# Big generated configs: 20,000 profiles against 10, each with a cached session for [default].
big=$work/big
small=$work/small
for dir in "$big" "$small"; do
    mkdir -p "$dir"
    cp -r "$home/.aws" "$dir/"
done
for pair in "$big:20000" "$small:10"; do
    python3 - "${pair%%:*}/.aws/config" "${pair##*:}" <<'PY'
import sys
with open(sys.argv[1], "a") as config:
    for i in range(int(sys.argv[2])):
        config.write(f"[profile team{i}]\nrole_arn = arn:aws:iam::123456789012:role/r{i}\nsource_profile = default\nregion = eu-west-1\nmfa_serial = arn:aws:iam::123456789012:mfa/bench\n\n")
PY
done
HOME=$big "$bin" -s bash -t 123456 >/dev/null
HOME=$small "$bin" -s bash -t 123456 >/dev/null
echo "timing big configs..." >&2
python3 "$pairs" 100 :: env HOME="$small" "$bin" -s bash :: env HOME="$big" "$bin" -s bash >"$work/big.json"
(eval "$session" && python3 "$pairs" 100 :: env HOME="$small" "$bin" status --short \
    :: env HOME="$big" "$bin" status --short) >"$work/bigshort.json"
big_bytes=$(stat -c %s "$big/.aws/config")
rss_big=$(HOME=$big /usr/bin/time -f %M "$bin" -s bash 2>&1 >/dev/null | tail -n 1)
rss_small=$(HOME=$small /usr/bin/time -f %M "$bin" -s bash 2>&1 >/dev/null | tail -n 1)

echo "timing GetSessionToken round trips against moto..." >&2
hyperfine -N --warmup 2 --runs 15 --export-json "$work/roundtrip.json" \
    "aws sts get-session-token --serial-number arn:aws:iam::123456789012:mfa/bench --token-code 123456 --endpoint-url $endpoint" \
    "$bin -s bash -t 123456 --no-cache" >/dev/null 2>&1
# The same signed call made by curl (SigV4 of its own), to the same server, interleaved.
python3 "$pairs" 50 :: curl -s --aws-sigv4 aws:amz:us-east-1:sts \
    --user AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY \
    -d Action=GetSessionToken -d Version=2011-06-15 \
    -d SerialNumber=arn:aws:iam::123456789012:mfa/bench -d TokenCode=123456 "$endpoint/" \
    :: "$bin" -s bash -t 123456 --no-cache >"$work/curl.json"

echo "timing the no-credentials error..." >&2
hyperfine -N -i --warmup 3 --runs 50 --export-json "$work/nocreds.json" \
    "env HOME=$empty /bin/true" \
    "env HOME=$empty $bin -s bash -t 123456" >/dev/null 2>&1

max_rss_kb() { { /usr/bin/time -f %M "$@" 2>&1 >/dev/null || true; } | tail -n 1; }
rss_ours=$(max_rss_kb "$bin" -s bash -t 123456 --no-cache)

# Hostile answers: a 200 MB body, and a chunked body that never ends.
hostile_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 - "$hostile_port" >"$work/hostile.log" 2>&1 <<'PY' &
import socketserver, sys
class Answer(socketserver.StreamRequestHandler):
    def handle(self):
        while self.rfile.readline() not in (b"\r\n", b""):
            pass
        huge = self.server.count % 2 == 0
        self.server.count += 1
        block = b"a" * 65536
        try:
            if huge:
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 209715200\r\n\r\n")
                for _ in range(3200):
                    self.wfile.write(block)
            else:
                self.wfile.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                while True:
                    self.wfile.write(b"10000\r\n" + block + b"\r\n")
        except OSError:
            pass
class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    count = 0
Server(("127.0.0.1", int(sys.argv[1])), Answer).serve_forever()
PY
hostile_pid=$!
sleep 0.5
hostile() { AWS_ENDPOINT_URL_STS=http://127.0.0.1:$hostile_port max_rss_kb "$bin" -s bash -t 123456 --no-cache; }
rss_huge=$(hostile)
rss_endless=$(hostile)
kill "$hostile_pid" 2>/dev/null || true
rss_aws=$(max_rss_kb aws sts get-session-token --serial-number arn:aws:iam::123456789012:mfa/bench --token-code 123456 --endpoint-url "$endpoint")

true_ms=$(pm "$work/local.json" 0 median)
aws_ms=$(median_ms "$work/roundtrip.json" 0)
ours_ms=$(median_ms "$work/roundtrip.json" 1)
env_true_ms=$(median_ms "$work/nocreds.json" 0)
nocreds_ms=$(median_ms "$work/nocreds.json" 1)

row() { printf '| %s | %s | %s | %s | %s |\n' "$@"; }
mb() { python3 -c "print(round($1 / 1024, 1))"; }
ratio() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'{a / b:.2f}×' if b else '-')" "$1" "$2"; }

echo
echo "mfa-env $("$bin" --version | cut -d' ' -f2) on $(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $rust_version, $(date -u +%Y-%m-%d)"
echo
row "Figure" "mfa-env" "Reference (same run)" "Ratio" "Target"
row "---" "---" "---" "---" "---"
size_mb=$(python3 -c "print(round($size_bytes / 1048576, 2))")
row "Release binary, stripped" "$size_mb MB" "target 4 MB" "$(ratio "$size_mb" 4)" "≤ 4 MB"
if [ -n "$exe_bytes" ]; then
    exe_mb=$(python3 -c "print(round($exe_bytes / 1048576, 2))")
    row "Windows \`mfa-env.exe\`, stripped" "$exe_mb MB" "Linux binary $size_mb MB" "$(ratio "$exe_mb" "$size_mb")" "≤ 4 MB"
fi
if [ -n "$build_secs" ]; then
    row "Clean \`cargo build --release\`" "$build_secs s" "target 150 s" "$(ratio "$build_secs" 150)" "≤ 150 s"
else
    row "Clean \`cargo build --release\`" "not measured" "target 150 s" "-" "≤ 150 s"
fi
kind=${static_bin:+static}
kind=${kind:-glibc}
i=1
for path in "--unset" "init bash" "--help" "cache hit" "status" "completions bash"; do
    ms=$(pm "$work/local.json" "$i" median)
    row "\`$path\`, $kind (median, min-max)" "$ms ms ($(pm "$work/local.json" "$i" min-max))" "/bin/true $true_ms ms" "$(ratio "$ms" "$true_ms")" "≤ 1.0× /bin/true"
    i=$((i + 1))
done
short_true_ms=$(pm "$work/short.json" 0 median)
short_ms=$(pm "$work/short.json" 1 median)
row "\`status --short\` in a shell with a session, $kind (median)" "$short_ms ms ($(pm "$work/short.json" 1 min-max))" "/bin/true $short_true_ms ms" "$(ratio "$short_ms" "$short_true_ms")" "≤ 1.0× /bin/true"
plain_true_ms=$(pm "$work/plain.json" 0 median)
plain_ms=$(pm "$work/plain.json" 1 median)
row "\`status\`, no endpoint configured, $kind (median)" "$plain_ms ms ($(pm "$work/plain.json" 1 min-max))" "/bin/true $plain_true_ms ms" "$(ratio "$plain_ms" "$plain_true_ms")" "≤ 1.0× /bin/true"
gnu_true_ms=$(pm "$work/gnu.json" 0 median)
for i in 1 2; do
    path=$([ "$i" = 1 ] && echo "--unset" || echo "status --short")
    ms=$(pm "$work/gnu.json" "$i" median)
    row "\`$path\`, cargo install (glibc, median)" "$ms ms ($(pm "$work/gnu.json" "$i" min-max))" "/bin/true $gnu_true_ms ms" "$(ratio "$ms" "$gnu_true_ms")" "-"
done
if [ -n "$glibc_static_bin" ]; then
    linking_true_ms=$(pm "$work/linking.json" 0 median)
    glibc_static_mb=$(python3 -c "print(round($(stat -c %s "$glibc_static_bin") / 1048576, 2))")
    row "Linking: glibc static-pie, stripped (not shipped)" "$glibc_static_mb MB" "musl static-pie $size_mb MB" "$(ratio "$glibc_static_mb" "$size_mb")" "≤ 4 MB"
    i=1
    for path in "\`--unset\`, musl" "\`--unset\`, glibc" "cache hit, musl" "cache hit, glibc"; do
        ms=$(pm "$work/linking.json" "$i" median)
        row "Linking: $path static-pie (median, min-max)" "$ms ms ($(pm "$work/linking.json" "$i" min-max))" "/bin/true $linking_true_ms ms" "$(ratio "$ms" "$linking_true_ms")" "-"
        i=$((i + 1))
    done
fi
list_true_ms=$(pm "$work/list.json" 0 median)
list_ms=$(pm "$work/list.json" 1 median)
row "\`list\`, 200 profiles (median)" "$list_ms ms ($(pm "$work/list.json" 1 min-max))" "/bin/true $list_true_ms ms" "$(ratio "$list_ms" "$list_true_ms")" "≤ 1.3× /bin/true"
sh_ms=$(pm "$work/exec.json" 0 median)
exec_ms=$(pm "$work/exec.json" 1 median)
row "\`exec -- /bin/true\`, cached session (median)" "$exec_ms ms ($(pm "$work/exec.json" 1 min-max))" "sh -c '/bin/true; :' $sh_ms ms" "$(ratio "$exec_ms" "$sh_ms")" "≤ 1.1×"
small_hit=$(pm "$work/big.json" 0 median)
big_hit=$(pm "$work/big.json" 1 median)
small_short=$(pm "$work/bigshort.json" 0 median)
big_short=$(pm "$work/bigshort.json" 1 median)
row "cache hit, 20,000 profiles (median)" "$big_hit ms" "10 profiles $small_hit ms" "$(ratio "$big_hit" "$small_hit")" "≤ 10 ms and ≤ 3×"
row "\`status --short\`, 20,000 profiles (median)" "$big_short ms" "10 profiles $small_short ms" "$(ratio "$big_short" "$small_short")" "≤ 10 ms and ≤ 3×"
row "Memory per byte of a $(python3 -c "print(round($big_bytes / 1048576, 1))") MB config" "$(python3 -c "print(round(($rss_big - $rss_small) * 1024 / $big_bytes, 2))") bytes" "max RSS $(mb "$rss_big") MB vs $(mb "$rss_small") MB" "-" "≤ 2 bytes"
row "GetSessionToken round trip on moto (median)" "$ours_ms ms" "aws sts get-session-token $aws_ms ms" "$(ratio "$aws_ms" "$ours_ms") faster" "≥ 10× faster"
curl_ms=$(pm "$work/curl.json" 0 median)
trip_ms=$(pm "$work/curl.json" 1 median)
row "GetSessionToken round trip, interleaved (median)" "$trip_ms ms ($(pm "$work/curl.json" 1 min-max))" "curl --aws-sigv4 $curl_ms ms" "$(ratio "$trip_ms" "$curl_ms")" "≤ 0.7×"
row "No credentials configured: error (median)" "$nocreds_ms ms" "env /bin/true $env_true_ms ms" "$(ratio "$nocreds_ms" "$env_true_ms")" "≤ 50 ms"
row "Peak memory, a 200 MB answer (max RSS)" "$(mb "$rss_huge") MB" "round trip $(mb "$rss_ours") MB" "$(ratio "$rss_huge" "$rss_ours")" "≤ 15 MB"
row "Peak memory, an endless answer (max RSS)" "$(mb "$rss_endless") MB" "round trip $(mb "$rss_ours") MB" "$(ratio "$rss_endless" "$rss_ours")" "≤ 15 MB"
row "Peak memory of a round trip (max RSS)" "$(python3 -c "print(round($rss_ours / 1024, 1))") MB" "awscli $(python3 -c "print(round($rss_aws / 1024, 1))") MB" "$(ratio "$rss_ours" "$rss_aws")" "≤ 15 MB"
