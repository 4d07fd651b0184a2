# mirror_uri: the Debian mirror this machine's apt already uses (TUML_DEBIAN_MIRROR overrides).
# Sourced by fetch-guest.sh and fetch-debian.sh; no mirror host is ever written into the repo.
mirror_uri() {
  local uri=""
  if [ -n "${TUML_DEBIAN_MIRROR:-}" ]; then echo "$TUML_DEBIAN_MIRROR"; return; fi
  # deb822 sources: the first URIs: of a stanza that is not a security archive
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -e "$f" ] || continue
    uri=$(awk 'tolower($1)=="uris:" { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f")
    [ -n "$uri" ] && { echo "$uri"; return; }
  done
  # one-line sources
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -e "$f" ] || continue
    uri=$(awk '$1=="deb" { for (i = 2; i <= NF; i++) { if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; continue } if ($i !~ /security/) print $i; break } }' "$f" | head -n1)
    [ -n "$uri" ] && { echo "$uri"; return; }
  done
  return 1
}
