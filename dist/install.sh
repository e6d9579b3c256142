#!/bin/sh
# Installs glasscam for every user: the binary, its man page, shell completions, the
# desktop entry and its icon. PREFIX (default /usr/local) and DESTDIR (for packaging) as
# usual; GLASSCAM_BIN names a binary already built (default: cargo build --release).
set -eu
cd "$(dirname "$0")/.."
prefix=${PREFIX:-/usr/local}
root=${DESTDIR:-}$prefix
bin=${GLASSCAM_BIN:-target/release/glasscam}
if [ -z "${GLASSCAM_BIN:-}" ]; then
  cargo build --release
fi
install -Dm755 "$bin" "$root/bin/glasscam"
mkdir -p "$root/share/man/man1"
"$bin" generate man >"$root/share/man/man1/glasscam.1"
mkdir -p "$root/share/bash-completion/completions" "$root/share/zsh/site-functions" \
  "$root/share/fish/vendor_completions.d"
"$bin" generate bash >"$root/share/bash-completion/completions/glasscam"
"$bin" generate zsh >"$root/share/zsh/site-functions/_glasscam"
"$bin" generate fish >"$root/share/fish/vendor_completions.d/glasscam.fish"
install -Dm644 assets/glasscam.desktop "$root/share/applications/glasscam.desktop"
install -Dm644 assets/glasscam.svg "$root/share/icons/hicolor/scalable/apps/glasscam.svg"
echo "glasscam installed under $root (man glasscam; completions for bash, zsh and fish)"
