#!/usr/bin/env bash
# System packages the tests need: Chromium (browser tests), redis-server (worker-tier tests, which start
# their own private server) and the FreeDict X-English and English-X (ru id hi, read backwards; Mueller's English-Russian for ru) dictionaries
# that layout/gloss.py reads when present, and WordNet 3.0 (wordnet-base) that layout/wordnet.py reads
# (optional for the product, required by tests/layout in CI). Installs only what is missing.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v redis-server >/dev/null || missing+=(redis-server)
for code in deu fra spa por ita pol tur jpn; do
  [ -f "/usr/share/dictd/freedict-$code-eng.index" ] || missing+=("dict-freedict-$code-eng")
done
for code in rus ind hin; do
  [ -f "/usr/share/dictd/freedict-eng-$code.index" ] || missing+=("dict-freedict-eng-$code")
done
[ -f /usr/share/dictd/mueller7.index ] || missing+=(mueller7-dict)  # English-Russian, read backwards for ru
[ -f /usr/share/wordnet/data.noun ] || missing+=(wordnet-base)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "Please install: ${missing[*]} (Debian/Ubuntu: sudo apt-get install -y ${missing[*]})" >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
