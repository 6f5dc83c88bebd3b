#!/bin/sh
# The web app's API types catch a renamed field at build time (make check-web-types, part of make test):
# the types are generated from a copy of docs/openapi.yaml in which the session user's
# must_change_password is renamed, web/src is type-checked against them (as `npm run build` does) and
# the check must fail naming the field; with the real document it must pass.
set -eu
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bin=$PWD/web/node_modules/.bin
cp -r web/src web/jsconfig.json "$tmp/"
ln -s "$PWD/web/node_modules" "$tmp/node_modules"

"$bin/openapi-typescript" docs/openapi.yaml -o "$tmp/src/api-types.d.ts" >/dev/null 2>&1
(cd "$tmp" && "$bin/tsc" -p jsconfig.json) || { echo "check-web-types: web/src does not type-check against docs/openapi.yaml"; exit 1; }

sed 's/must_change_password/must_change_pw/g' docs/openapi.yaml >"$tmp/renamed.yaml"
"$bin/openapi-typescript" "$tmp/renamed.yaml" -o "$tmp/src/api-types.d.ts" >/dev/null 2>&1
if (cd "$tmp" && "$bin/tsc" -p jsconfig.json >"$tmp/out.txt" 2>&1); then
  echo "check-web-types: a field renamed in the document was not caught by the web build"
  exit 1
fi
grep -q "must_change_password" "$tmp/out.txt" || { cat "$tmp/out.txt"; exit 1; }
echo "web types ok: web/src type-checks against docs/openapi.yaml; a renamed field fails: $(grep -m1 'error TS' "$tmp/out.txt" | cut -c1-100)"
