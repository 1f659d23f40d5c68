#!/usr/bin/env bash
# The browser the end-to-end tests drive: Debian's Chromium (/usr/bin/chromium) and a Korean font (fonts-nanum)
# so that screenshots show Hangul, not boxes. Playwright's own browser download is never used.
# Idempotent: installs with apt-get only what is missing. Needs root (as on the project's machines and CI).
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -f /usr/share/fonts/truetype/nanum/NanumGothic.ttf ] || missing+=(fonts-nanum)
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "ensure_browser: missing ${missing[*]}; install them as root: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "ensure_browser: installing ${missing[*]} (Debian packages)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
[ -x /usr/bin/chromium ] || { echo "ensure_browser: /usr/bin/chromium is still missing" >&2; exit 1; }
/usr/bin/chromium --version
