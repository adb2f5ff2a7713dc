#!/usr/bin/env bash
# Install llama-cpp-python built portably (no -march=native), from a project-owned wheel cache.
#
# Why: llama-cpp-python has no wheel and compiles from source. Its default build uses -march=native,
# which segfaults in llama.cpp's AMX matmul on Intel Sapphire Rapids and later (ggml-org/llama.cpp#20824)
# and makes a wheel (or a Docker image) that only runs on the CPU that built it. pip's own cache keys a
# built wheel by version alone, so it could hand back such a native build: we never use it for this
# package. The wheel lives in $MDG_WHEEL_CACHE (default ~/.cache/mdg-workbench/wheels) under a folder
# named after the version and a hash of the flags, so a change of flags always rebuilds.
#
# Usage: scripts/install_llama.sh PIP [REQUIREMENTS]     (PIP: the pip of the target environment)
set -euo pipefail
pip=${1:?usage: install_llama.sh PIP [REQUIREMENTS]}
req=${2:-requirements.txt}
flags="${LLAMA_CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON}"
version=$(grep -iE '^llama[-_]cpp[-_]python==' "$req" | head -1 | cut -d= -f3)
[ -n "$version" ] || { echo "llama-cpp-python is not pinned in $req" >&2; exit 1; }
key=$(printf '%s|%s' "$version" "$flags" | sha256sum | cut -c1-12)
cache=${MDG_WHEEL_CACHE:-$HOME/.cache/mdg-workbench/wheels}
dir="$cache/llama-cpp-python-$version-$key"
if ! compgen -G "$dir/llama_cpp_python-*.whl" >/dev/null; then
  echo "Building llama-cpp-python $version portably (about 11 minutes on 2 cores, once per machine)…"
  mkdir -p "$cache"
  tmp=$(mktemp -d "$dir.tmp.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  CMAKE_ARGS="$flags" FORCE_CMAKE=1 "$pip" wheel --quiet --no-deps --no-cache-dir \
    --no-binary llama-cpp-python -w "$tmp" "llama-cpp-python==$version"
  printf '%s\n' "$flags" > "$tmp/CMAKE_ARGS"
  rm -rf "$dir" && mv "$tmp" "$dir"
  trap - EXIT
fi
"$pip" install --quiet --no-deps --no-index --force-reinstall "$dir"/llama_cpp_python-*.whl
