#!/usr/bin/env bash
# Installs the Debian packages dip builds and tests against, and only those that are missing.
# Idempotent and non-interactive: runs as root (CI) or through passwordless sudo, never prompts.
set -euo pipefail

packages=(libdnnl-dev libncursesw5-dev libpng-dev libturbojpeg0-dev ncurses-term tmux "$@")

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    echo "error: installing ${missing[*]} needs root; run 'sudo make deps' or install them yourself" >&2
    exit 1
fi

echo "installing: ${missing[*]}"
apt() { "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o Dpkg::Use-Pty=0 "$@"; }
# A fresh machine may have empty package lists; refresh them only when the install fails.
apt install --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
    apt update >/dev/null
    apt install --no-install-recommends "${missing[@]}" >/dev/null
}
