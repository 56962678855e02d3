#!/bin/sh
# Rebuild the door scanner's vendored decoder from npm (pinned in package.json and the lock):
#   cd web/vendor-src && ./build.sh
# It copies two files into web/static/vendor/, both served by the app itself (never a CDN):
#   barcode-detector-<v>.polyfill.js  the BarcodeDetector polyfill (IIFE build: defines
#                                     window.BarcodeDetector only where the browser has none,
#                                     and window.BarcodeDetectionAPI to configure it)
#   zxing_reader-<v>.wasm             ZXing-C++ compiled to WebAssembly (reader only)
# scanner.js points zxing-wasm's locateFile at the second file's hashed URL, so the
# default jsDelivr address inside the polyfill is never used. The script checks that the
# .wasm is the one the polyfill was built against (its ZXING_WASM_SHA256).
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
bd=$(node -p 'require("./node_modules/barcode-detector/package.json").version')
zx=$(node -p 'require("./node_modules/zxing-wasm/package.json").version')
out=../static/vendor
rm -f "$out"/barcode-detector-*.js "$out"/zxing_reader-*.wasm
cp node_modules/barcode-detector/dist/iife/polyfill.js "$out/barcode-detector-$bd.polyfill.js"
cp node_modules/zxing-wasm/dist/reader/zxing_reader.wasm "$out/zxing_reader-$zx.wasm"
want=$(grep -o '`[0-9a-f]\{64\}`' "$out/barcode-detector-$bd.polyfill.js" | tr -d '`' | head -1)
have=$(sha256sum "$out/zxing_reader-$zx.wasm" | cut -d' ' -f1)
[ "$want" = "$have" ] || { echo "wasm sha256 $have is not the polyfill's $want" >&2; exit 1; }
echo "vendored barcode-detector $bd and zxing-wasm $zx (wasm sha256 $have)"
