#!/usr/bin/env bash
# `nginx -t` on the shipped site, in a temporary prefix with a throwaway self-signed
# certificate: nothing under /etc/nginx is touched. Run: deploy/nginx/check.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/logs" "$work/snippets"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=gov.example.cn" \
  -keyout "$work/privkey.pem" -out "$work/fullchain.pem" 2>/dev/null
cp "$here/tongban-proxy.conf" "$work/snippets/"
sed -e "s#/etc/nginx/snippets/#$work/snippets/#g" -e "s#/etc/ssl/tongban/#$work/#g" \
  "$here/tongban.conf" >"$work/tongban.conf"
cat >"$work/nginx.conf" <<CONF
pid $work/nginx.pid;
error_log $work/logs/error.log;
events {}
http {
    include /etc/nginx/mime.types;
    access_log $work/logs/access.log;
    include $work/tongban.conf;
}
CONF
nginx -t -p "$work" -c "$work/nginx.conf"
