#!/bin/sh
# Installs mfa-env from its release archives: picks the archive for this system, checks it
# against SHA256SUMS before unpacking, and puts the binary in ~/.local/bin (never with sudo).
#
#   curl -fsSL URL/install.sh | sh
#
#   MFA_ENV_DIST_URL     where the archives and SHA256SUMS are (the release's download URL)
#   MFA_ENV_INSTALL_DIR  where the binary goes (default: ~/.local/bin)
set -eu

# The release workflow writes its own download URL here when it publishes this script.
default_url=""
url=${MFA_ENV_DIST_URL:-$default_url}
dir=${MFA_ENV_INSTALL_DIR:-${HOME:?HOME is not set}/.local/bin}

fail() {
    echo "install.sh: $*" >&2
    exit 1
}

[ -n "$url" ] || fail "set MFA_ENV_DIST_URL to the URL of the release's archives"

case $(uname -s) in
Linux) os=unknown-linux-musl ;;
Darwin) os=apple-darwin ;;
*) fail "no archive for $(uname -s): build it with cargo install --locked mfa-env, or take the Windows .zip" ;;
esac
case $(uname -m) in
x86_64 | amd64) arch=x86_64 ;;
aarch64 | arm64) arch=aarch64 ;;
*) fail "no archive for $(uname -m) on $(uname -s): build it with cargo install --locked mfa-env" ;;
esac
target=$arch-$os

fetch() { # URL FILE
    if command -v curl >/dev/null 2>&1; then
        curl -fsSL --proto '=http,https' -o "$2" "$1"
    elif command -v wget >/dev/null 2>&1; then
        wget -q -O "$2" "$1"
    else
        fail "neither curl nor wget is installed"
    fi
}

sha256() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    else
        shasum -a 256 "$1" | cut -d' ' -f1
    fi
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

fetch "$url/SHA256SUMS" "$work/SHA256SUMS" || fail "cannot download $url/SHA256SUMS"
# The line for this target: "HASH  mfa-env-VERSION-TARGET.tar.gz".
line=$(grep " mfa-env-[^ ]*-$target\.tar\.gz\$" "$work/SHA256SUMS" | tail -n 1 || true)
[ -n "$line" ] || fail "the release has no archive for $target"
want=${line%% *}
archive=${line##* }
fetch "$url/$archive" "$work/$archive" || fail "cannot download $url/$archive"
got=$(sha256 "$work/$archive")
[ "$got" = "$want" ] ||
    fail "$archive does not match SHA256SUMS (got $got, want $want): nothing was installed"

tar -xzf "$work/$archive" -C "$work"
name=${archive%.tar.gz}
[ -f "$work/$name/mfa-env" ] || fail "$archive holds no mfa-env"
mkdir -p "$dir"
# Into place in one rename, so that a running mfa-env is never half-written.
cp "$work/$name/mfa-env" "$dir/.mfa-env.new"
chmod 755 "$dir/.mfa-env.new"
mv -f "$dir/.mfa-env.new" "$dir/mfa-env"
echo "installed $dir/mfa-env ($("$dir/mfa-env" --version))"

case ":$PATH:" in
*":$dir:"*) ;;
*) echo "add $dir to PATH, for example in your shell's startup file: export PATH=\"$dir:\$PATH\"" ;;
esac
# The init lines are printed, not run: their $( ) is for the reader's shell.
# shellcheck disable=SC2016
case ${SHELL##*/} in
bash) hint='eval "$(mfa-env init bash)"    in ~/.bashrc' ;;
zsh) hint='eval "$(mfa-env init zsh)"    in ~/.zshrc' ;;
fish) hint='mfa-env init fish | source    in ~/.config/fish/config.fish' ;;
*) hint='the line for your shell from mfa-env init --help' ;;
esac
echo "then, for the mfa function: $hint"
