#!/usr/bin/env bash
# Builds the single-threaded whisper.cpp engine (apps/web/vendor/whisper-single-thread/) that the
# browser uses when the page is not cross-origin isolated (no SharedArrayBuffer, so no threads).
# The built files are committed: CI and the web build never need emscripten. Run this only to
# rebuild them, then commit the result (the recorded SHA-256 in artifact.json is checked by
# apps/web/test/whisper-single-thread-artifact.test.ts).
#
# Inputs, pinned and checked before anything is built:
#   - whisper.cpp's source from the npm tarball nodejs-whisper@0.3.1 (package/cpp/whisper.cpp),
#     verified against the registry's SHA-512 integrity below;
#   - Debian 12's emscripten package, version 3.1.6~dfsg-5 (`apt-get install -y emscripten`).
# Our own glue (glue.cpp, next to the output) is the only code that is not whisper.cpp's.
set -euo pipefail

WHISPER_NPM_PACKAGE=nodejs-whisper
WHISPER_NPM_VERSION=0.3.1
WHISPER_NPM_INTEGRITY='sha512-ceoilUVraRuR5FnNyXpGQT2auAR48Oc3AQBEmkXnVpSn9iN6yVRzQBFCqVTGWbk6Wdi95NhvwXNzFvuR7erLWw=='
EMSCRIPTEN_DEBIAN_VERSION='3.1.6~dfsg-5'

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$ROOT/apps/web/vendor/whisper-single-thread"
WORK="${WORK:-$(mktemp -d)}"
JOBS="${JOBS:-2}"

have_emscripten="$(dpkg-query -W -f='${Version}' emscripten 2>/dev/null || true)"
if [ "$have_emscripten" != "$EMSCRIPTEN_DEBIAN_VERSION" ]; then
  echo "need Debian's emscripten $EMSCRIPTEN_DEBIAN_VERSION (have: ${have_emscripten:-none}); apt-get install -y emscripten" >&2
  exit 1
fi
# Debian's emscripten runs its JS optimiser with the node on PATH; Debian's acorn lives here.
export NODE_PATH="/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}"

tarball="$WORK/$WHISPER_NPM_PACKAGE-$WHISPER_NPM_VERSION.tgz"
if [ ! -f "$tarball" ]; then
  (cd "$WORK" && npm pack --silent "$WHISPER_NPM_PACKAGE@$WHISPER_NPM_VERSION" >/dev/null)
fi
integrity="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$integrity" != "$WHISPER_NPM_INTEGRITY" ]; then
  echo "$tarball: integrity $integrity, expected $WHISPER_NPM_INTEGRITY" >&2
  exit 1
fi
rm -rf "$WORK/package" && tar -xzf "$tarball" -C "$WORK"
SRC="$WORK/package/cpp/whisper.cpp"
WHISPER_VERSION="$(sed -n 's/^project("whisper.cpp" VERSION \([0-9.]*\))/\1/p' "$SRC/CMakeLists.txt")"

# whisper.cpp + ggml's base and CPU backend: the sources whisper.cpp's own CMake build compiles
# for a wasm CPU-only target, without OpenMP, llamafile's sgemm or any GPU backend.
SOURCES=(
  ggml/src/ggml.c ggml/src/ggml.cpp ggml/src/ggml-alloc.c ggml/src/ggml-backend.cpp
  ggml/src/ggml-backend-meta.cpp ggml/src/ggml-opt.cpp ggml/src/ggml-threading.cpp
  ggml/src/ggml-quants.c ggml/src/gguf.cpp ggml/src/ggml-backend-reg.cpp
  ggml/src/ggml-cpu/ggml-cpu.c ggml/src/ggml-cpu/ggml-cpu.cpp ggml/src/ggml-cpu/repack.cpp
  ggml/src/ggml-cpu/hbm.cpp ggml/src/ggml-cpu/quants.c ggml/src/ggml-cpu/traits.cpp
  ggml/src/ggml-cpu/binary-ops.cpp ggml/src/ggml-cpu/unary-ops.cpp ggml/src/ggml-cpu/vec.cpp
  ggml/src/ggml-cpu/ops.cpp ggml/src/ggml-cpu/arch/wasm/quants.c
  src/whisper.cpp
)
DEFINES=(
  -DNDEBUG -DGGML_USE_CPU -DGGML_VERSION="\"$WHISPER_VERSION\"" -DGGML_COMMIT="\"npm-$WHISPER_NPM_PACKAGE-$WHISPER_NPM_VERSION\""
  -DWHISPER_VERSION="\"$WHISPER_VERSION\"" -D_GNU_SOURCE
)
INCLUDES=(-I"$SRC/include" -I"$SRC/ggml/include" -I"$SRC/ggml/src" -I"$SRC/ggml/src/ggml-cpu" -I"$SRC/src")
# No -pthread: the module must run without SharedArrayBuffer. SIMD stays on (every browser that
# runs the app has wasm SIMD). C++ exceptions are emscripten's default (not caught): a throw inside
# whisper.cpp aborts the module, which the worker reports as 'engine-aborted' and replaces.
# The file names ggml's assertions print are made relative, so the output does not depend on
# where the build ran (the same inputs give the same bytes).
CFLAGS=(-O3 -msimd128 -Wno-deprecated "${DEFINES[@]}" "${INCLUDES[@]}"
  -ffile-prefix-map="$SRC"=whisper.cpp -ffile-prefix-map="$OUT"=llamenos)

rm -rf "$WORK/obj" && mkdir -p "$WORK/obj"
objects=()
# whisper.cpp 1.9.1's ggml defines ggml_vec_dot_q4_1_q8_1 twice for wasm: the SIMD version in
# arch/wasm/quants.c, and the generic one in quants.c, which arch-fallback.h renames to the same
# name. The generic copy gets another name in its own file only, so the SIMD one is linked (with
# SIMD on, the wasm version never calls the generic one).
GENERIC_QUANTS_FIX=(-Dggml_vec_dot_q4_1_q8_1=ggml_vec_dot_q4_1_q8_1_generic_unused)
compile() {
  local src="$1" obj="$2"
  case "$src" in
    */ggml-cpu/quants.c) emcc -std=c11 "${CFLAGS[@]}" "${GENERIC_QUANTS_FIX[@]}" -c "$src" -o "$obj" ;;
    *.c) emcc -std=c11 "${CFLAGS[@]}" -c "$src" -o "$obj" ;;
    *) em++ -std=c++17 "${CFLAGS[@]}" -c "$src" -o "$obj" ;;
  esac
}
for src in "${SOURCES[@]/#/$SRC/}" "$OUT/glue.cpp"; do
  rel="${src#"$SRC"/}"
  obj="$WORK/obj/${rel//\//_}.o"
  objects+=("$obj")
  compile "$src" "$obj" &
  # At most $JOBS compilers at once.
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
done
wait
# A compiler that failed left no object (its errors are above).
for obj in "${objects[@]}"; do
  [ -f "$obj" ] || { echo "not compiled: $obj" >&2; exit 1; }
done

# An ES-module factory for a (module) worker, the .wasm beside it (Vite serves it as an asset),
# memory that grows with the model, and only the runtime pieces whisper.worker.ts calls.
em++ -O3 -msimd128 "${objects[@]}" -o "$WORK/whisper-single-thread.js" \
  -s MODULARIZE=1 -s EXPORT_ES6=1 -s EXPORT_NAME=createWhisperSingleThread \
  -s ENVIRONMENT=worker -s FILESYSTEM=1 -s ALLOW_MEMORY_GROWTH=1 \
  -s INITIAL_MEMORY=67108864 -s MAXIMUM_MEMORY=2147483648 -s TOTAL_STACK=5242880 \
  -s EXPORTED_FUNCTIONS='["_malloc","_free"]' \
  -s EXPORTED_RUNTIME_METHODS='["FS_createDataFile","FS_unlink","UTF8ToString","stringToUTF8","lengthBytesUTF8","HEAPU8","HEAPF32"]' \
  -s INCOMING_MODULE_JS_API='["locateFile","print","printErr","onAbort","onProgress","onNewSegment","onEngineLog","wasmBinary","instantiateWasm"]'

cp "$WORK/whisper-single-thread.js" "$WORK/whisper-single-thread.wasm" "$OUT/"
cp "$SRC/LICENSE" "$OUT/LICENSE-whisper.cpp"
sha() { sha256sum "$1" | cut -d' ' -f1; }
cat > "$OUT/artifact.json" <<JSON
{
  "whisperCpp": "$WHISPER_VERSION",
  "source": "$WHISPER_NPM_PACKAGE@$WHISPER_NPM_VERSION (npm), package/cpp/whisper.cpp",
  "sourceIntegrity": "$WHISPER_NPM_INTEGRITY",
  "emscripten": "Debian emscripten $EMSCRIPTEN_DEBIAN_VERSION",
  "files": {
    "whisper-single-thread.js": "$(sha "$OUT/whisper-single-thread.js")",
    "whisper-single-thread.wasm": "$(sha "$OUT/whisper-single-thread.wasm")",
    "glue.cpp": "$(sha "$OUT/glue.cpp")"
  }
}
JSON
ls -l "$OUT"
