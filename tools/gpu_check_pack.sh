#!/usr/bin/env bash
# Packs tools/gpu_check.ts for the device machine, which has no Deno, no network, and takes at most
# 64 MiB of working tree: node_modules (over 500 MB) cannot travel, so this writes .gpu_check/ with
#   deno.gz                     the Deno binary from node_modules (95 MB, about 45 MB gzipped)
#   gpu_check.js                tools/gpu_check.ts bundled with lib/ and tfjs (about 2 MB)
#   backend_workers_worker.ts   the workers' entry, bundled (the bundle loads it by relative URL)
# Then run on the device (carry [".gpu_check", ".gl"]; .gl = the Vulkan/EGL loader debs, see the
# device README's recipe), for example:
#   for f in .gl/*.deb; do dpkg -x $f /; done; ldconfig;
#   export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json;
#   cd .gpu_check && gunzip -kf deno.gz && chmod +x deno &&
#   ./deno run -A gpu_check.js --pixels 2^28 2>&1 | tee $OUT/gpu_check.log
# Checked here: the packed files run offline (unshare -n, empty DENO_DIR, no node_modules).
set -euo pipefail
cd "$(dirname "$0")/.."
DENO="${DENO:-node_modules/.bin/deno}"
out=.gpu_check
rm -rf "$out"
mkdir -p "$out"
"$DENO" bundle --platform deno --minify -o "$out/gpu_check.js" tools/gpu_check.ts
"$DENO" bundle --platform deno -o "$out/backend_workers_worker.ts" lib/backend_workers_worker.ts
bin=$(find node_modules/.deno -path '*@deno/linux-x64-glibc/deno' -type f | head -n 1)
gzip -6 -c "$bin" >"$out/deno.gz"
du -sh "$out"/*
