#!/usr/bin/env bash
# bench/gpu_check.sh: what shotstyle does with a GPU host, in one short run (issue #23, item 3).
#
#   bench/gpu_check.sh                 # on a CUDA host: about 5 minutes on an H200
#   bench/gpu_check.sh --dry-run       # anywhere: the same steps on the CPU, tiny (a check)
#
# Prints Markdown: (1) stylise frames/s of the shipped style at 1920x1080 and
# 3840x2160, fp32 and bf16, batch 1/4/8, tiled as a render tiles and untiled
# (bench/gpu_check.py stylise); (2) the smoothing stage's per-frame work in torch
# on the GPU against OpenCV, frames/s and equality, at 1080p and 4K
# (bench/bench_torch_smoothing.py); (3) the sample rendered end to end with
# device auto (frames/s), the GPU's busy share sampled by nvidia-smi, the stage
# seconds (bench/gpu_check.py render). Installs nothing: it runs the repo's
# .venv (or $PYTHON). Without a GPU it prints one line and exits 2; a step that
# fails or runs past its time limit is reported and the others still run (exit 1).
set -u -o pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO" || exit 2
PY=${PYTHON:-$REPO/.venv/bin/python}
DRY=""
[ "${1:-}" = "--dry-run" ] && DRY="--dry-run"
OUT=${GPU_CHECK_OUT:-$(mktemp -d -t gpu_check.XXXXXX)}

cannot() { echo "gpu_check: $*; nothing measured" >&2; exit 2; }

if [ -z "$DRY" ]; then
    command -v nvidia-smi >/dev/null 2>&1 || cannot "no GPU here (nvidia-smi not found)"
    nvidia-smi -L 2>/dev/null | grep -q '^GPU' || cannot "no GPU here (nvidia-smi lists none)"
fi
[ -x "$PY" ] || cannot "no Python at $PY (run make, or set PYTHON)"
if [ -z "$DRY" ]; then
    why=$("$PY" -c 'import torch; print("" if torch.cuda.is_available() else
          f"torch {torch.__version__} in this Python sees no CUDA device (a CPU-only build?)")' \
          2>&1 | tail -n 1) || cannot "torch does not import: $why"
    [ -z "$why" ] || cannot "$why"
fi

export PYTHONPATH="$REPO${PYTHONPATH:+:$PYTHONPATH}"
status=0
step() {  # step SECONDS NAME COMMAND...: run it with a time limit, report a failure in one line
    local limit=$1 name=$2 rc
    shift 2
    echo "gpu_check: $name (at most ${limit} s)" >&2
    timeout --kill-after=10 "$limit" "$@"
    rc=$?
    if [ $rc -ne 0 ]; then
        status=1
        if [ $rc -eq 124 ]; then echo "**$name: stopped after ${limit} s**"
        else echo "**$name: failed (exit $rc)**"; fi
        echo
    fi
}

echo "## bench/gpu_check.sh${DRY:+ $DRY}"
echo
"$PY" bench/gpu_check.py machine
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  "
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')  "
[ -z "$DRY" ] && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader \
    | sed 's/^/gpu: /; s/$/  /'
echo

# Time limits: about 2, 1 and 1 minutes on an H200 host with 16 cores (budget: 8 in all).
if [ -n "$DRY" ]; then
    stylise=(300 --dry-run --frames 2)
    smoothing=(300 --device cpu --sizes 160x90 --frames 4 --repeats 1)
    render=(600 --dry-run --workers 2)
else
    stylise=(200 --frames 16)
    smoothing=(150 --device cuda --sizes 1920x1080,3840x2160 --frames 12 --repeats 2)
    render=(180 --workers 4)
fi
step "${stylise[0]}" stylise "$PY" bench/gpu_check.py stylise "${stylise[@]:1}"
echo "### Smoothing in torch against OpenCV (bench/bench_torch_smoothing.py)"
echo
step "${smoothing[0]}" smoothing "$PY" bench/bench_torch_smoothing.py --methods adaptive \
    "${smoothing[@]:1}"
echo
step "${render[0]}" render "$PY" bench/gpu_check.py render --out "$OUT/render" "${render[@]:1}"
echo "gpu_check: done (logs and the render's project in $OUT)" >&2
exit $status
