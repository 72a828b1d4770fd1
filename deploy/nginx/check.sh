#!/usr/bin/env bash
# `nginx -t` on the shipped sites (tongban.conf, and compose.conf for docker compose), in a temporary prefix with a throwaway self-signed
# certificate: nothing under /etc/nginx is touched. Run: deploy/nginx/check.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/logs" "$work/snippets"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=gov.example.cn" \
  -keyout "$work/privkey.pem" -out "$work/fullchain.pem" 2>/dev/null
cp "$here/tongban-proxy.conf" "$work/snippets/"
for site in tongban compose; do
# compose.conf names the web containers, which resolve only inside compose's network.
sed -e "s#/etc/nginx/snippets/#$work/snippets/#g" -e "s#/etc/ssl/tongban/#$work/#g" \
  -e "s#server web\([12]\):8000#server 127.0.0.1:800\1#" "$here/$site.conf" >"$work/site.conf"
cat >"$work/nginx.conf" <<CONF
pid $work/nginx.pid;
error_log $work/logs/error.log;
events {}
http {
    include /etc/nginx/mime.types;
    access_log $work/logs/access.log;
    include $work/site.conf;
}
CONF
echo "$site.conf:"
nginx -t -p "$work" -c "$work/nginx.conf"
done
