#!/usr/bin/env bash
# Packs tools/gpu_check.ts for the device machine, which has no Deno, no network, and takes at most
# 64 MiB of working tree: node_modules (over 500 MB) cannot travel, so this writes .gpu_check/ with
#   deno.gz                     the Deno binary from node_modules (95 MB, about 45 MB gzipped)
#   gpu_check.js                tools/gpu_check.ts bundled with lib/ and tfjs (about 2 MB)
#   workers_worker.ts           the workers' entry, bundled (the bundle loads it by relative URL)
#   run.sh                      unpacks deno, runs the check, and if no adapter is found retries
#                               once with the NVIDIA Vulkan/EGL driver files named explicitly
# Then run on the device (carry [".gpu_check", ".gl"]; .gl = the Vulkan/EGL loader debs of the
# device README's recipe):
#   for f in .gl/*.deb; do dpkg -x $f /; done; ldconfig; bash .gpu_check/run.sh --pixels 2^28
# (run.sh writes $OUT/gpu_check.log when $OUT is set).
# Checked here: the packed files run offline (unshare -n, empty DENO_DIR, no node_modules).
set -euo pipefail
cd "$(dirname "$0")/.."
DENO="${DENO:-node_modules/.bin/deno}"
out=.gpu_check
rm -rf "$out"
mkdir -p "$out"
"$DENO" bundle --platform deno --minify -o "$out/gpu_check.js" tools/gpu_check.ts
"$DENO" bundle --platform deno -o "$out/workers_worker.ts" lib/accel/workers_worker.ts
bin=$(find node_modules/.deno -path '*@deno/linux-x64-glibc/deno' -type f | head -n 1)
gzip -6 -c "$bin" >"$out/deno.gz"
cat >"$out/run.sh" <<'RUN'
#!/usr/bin/env bash
# Runs the packed GPU check (see tools/gpu_check_pack.sh); arguments go to gpu_check.
cd "$(dirname "$0")"
[ -x deno ] || { gunzip -kf deno.gz && chmod +x deno; }
log="${OUT:-/tmp}/gpu_check.log"
./deno run -A gpu_check.js "$@" 2>&1 | tee "$log"
if grep -q "no WebGPU adapter" "$log"; then
  echo "retrying with the NVIDIA Vulkan/EGL driver files named explicitly"
  VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json \
    __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json \
    ./deno run -A gpu_check.js "$@" 2>&1 | tee "$log"
fi
RUN
du -sh "$out"/*
