#!/usr/bin/env bash
# The action's first step: mfa-env for this runner. From a checkout of this repository inside
# the workflow's own workspace (`uses: ./`), built from source; otherwise the release archive for
# the runner's OS and architecture, checked against the release's SHA256SUMS, kept in the tool
# cache. Says where the binary is (output `bin`) and puts its directory on PATH.
set -euo pipefail

fail() {
    echo "::error::mfa-env action: $*"
    exit 1
}

action=$MFA_ENV_ACTION_PATH
version=${MFA_ENV_VERSION:-$(sed -n 's/^version = "\(.*\)"$/\1/p' "$action/Cargo.toml" | head -n 1)}
version=${version#v}
[ -n "$version" ] || fail "no version: set the version input"

exe=mfa-env
[ "${RUNNER_OS:-}" = Windows ] && exe=mfa-env.exe

workspace=${GITHUB_WORKSPACE:-}
if [ -n "$workspace" ] && [ -f "$action/Cargo.toml" ] && [ -d "$action/src" ] &&
    case "$(cd "$action" && pwd -P)/" in "$(cd "$workspace" && pwd -P)"/*) true ;; *) false ;; esac; then
    echo "building mfa-env from this checkout..."
    cargo build --release --locked --quiet --manifest-path "$action/Cargo.toml"
    dir=$action/target/release
else
    case ${RUNNER_OS:-}/${RUNNER_ARCH:-} in
    Linux/X64) target=x86_64-unknown-linux-musl ext=tar.gz ;;
    Linux/ARM64) target=aarch64-unknown-linux-musl ext=tar.gz ;;
    macOS/X64) target=x86_64-apple-darwin ext=tar.gz ;;
    macOS/ARM64) target=aarch64-apple-darwin ext=tar.gz ;;
    Windows/X64) target=x86_64-pc-windows-msvc ext=zip ;;
    *) fail "no mfa-env release for ${RUNNER_OS:-?} ${RUNNER_ARCH:-?}: use the action from a checkout, which builds it" ;;
    esac
    dir=${RUNNER_TOOL_CACHE:?}/mfa-env/$version/$target
    if [ ! -x "$dir/$exe" ]; then
        url=${MFA_ENV_DIST_URL:-https://github.com/${GITHUB_ACTION_REPOSITORY:?}/releases/download/v$version}
        name=mfa-env-$version-$target
        work=$(mktemp -d "${RUNNER_TEMP:?}/mfa-env.XXXXXX")
        trap 'rm -rf "$work"' EXIT
        curl -fsSL --retry 3 -o "$work/SHA256SUMS" "$url/SHA256SUMS" ||
            fail "cannot download $url/SHA256SUMS"
        curl -fsSL --retry 3 -o "$work/$name.$ext" "$url/$name.$ext" ||
            fail "cannot download $url/$name.$ext"
        want=$(awk -v f="$name.$ext" '$2 == f { print $1 }' "$work/SHA256SUMS")
        got=$(sha256sum "$work/$name.$ext" | cut -d' ' -f1)
        if [ -z "$want" ] || [ "$got" != "$want" ]; then
            fail "$name.$ext does not match the release's SHA256SUMS: nothing was installed"
        fi
        tar -xf "$work/$name.$ext" -C "$work"
        mkdir -p "$dir"
        cp "$work/$name/$exe" "$dir/$exe.new"
        chmod 755 "$dir/$exe.new"
        mv -f "$dir/$exe.new" "$dir/$exe"
    fi
fi
echo "bin=$dir/$exe" >>"$GITHUB_OUTPUT"
echo "$dir" >>"$GITHUB_PATH"
"$dir/$exe" --version
