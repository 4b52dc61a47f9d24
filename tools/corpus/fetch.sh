#!/bin/sh
# Fetch the pinned poetry corpus (npm chinese-poetry@2.0.1, MIT) into DIR and check its hash.
#   tools/corpus/fetch.sh /work/cache/corpus     -> DIR/package/dist/quantangshi/...
# The corpus is never committed.
set -eu
DIR=${1:?usage: fetch.sh DIR}
PKG=chinese-poetry@2.0.1
WANT=sha512-KtYARvV7CWNtax0na9+Jn6PlhGgSoid7PWyDzXI4KsCEm2odZcqEQyval5koaLygZnM/EQ3lfJ//25K8p3uHNg==
mkdir -p "$DIR"
cd "$DIR"
[ -f chinese-poetry-2.0.1.tgz ] || npm pack "$PKG" >/dev/null
GOT="sha512-$(openssl dgst -sha512 -binary chinese-poetry-2.0.1.tgz | base64 -w0)"
if [ "$GOT" != "$WANT" ]; then
  echo "fetch.sh: integrity mismatch for $PKG: $GOT" >&2
  exit 1
fi
rm -rf package
tar xzf chinese-poetry-2.0.1.tgz
echo "fetch.sh: $PKG OK in $DIR/package"
