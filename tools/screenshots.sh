#!/bin/sh
# Renders every state of the window the README shows, with the program's own off-screen path
# (--headless --screenshot) on the built-in simulator, into a folder (default docs/screenshots):
#
#   patient.png             the patient view (the default) on a calibrated mat
#   clinician.png           the clinician view (v, --clinician)
#   presenter.png           presenter mode (p, --presenter)
#   compare.png             side by side: the right side's steadiest moment beside the left, live
#   nogo.png                the ball inside a no-go zone
#   calibration-need.png    calibration: what to prepare, before the first step
#   calibration-step.png    calibration: a step under way (the even load, the 5 kg plate)
#   calibration-load.png
#   calibration-result.png  calibration: the result (PASS, masked cells, the fitted curve)
#
# usage: tools/screenshots.sh [--bin PATH/TO/steadymat] [OUTDIR]
# Nothing of the user's is read or written: settings, history and templates go to a temporary
# folder that is removed at the end. About a minute.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
bin=$here/build/steadymat
if [ "${1:-}" = "--bin" ]; then
    bin=$2
    shift 2
fi
out=${1:-$here/docs/screenshots}
[ -x "$bin" ] || { echo "screenshots: no program at $bin (build first, or --bin PATH)" >&2; exit 2; }
mkdir -p "$out"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
export SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy
export XDG_CONFIG_HOME="$tmp/config" XDG_DATA_HOME="$tmp/data" XDG_CACHE_HOME="$tmp/cache"
cal=$here/calibration/reference-mat-32x24.json

live() { # NAME ARGS...: a live simulator session, the picture of its last frame
    name=$1
    shift
    "$bin" live --no-config --no-history --headless --calibration "$cal" --speed 20 "$@" \
        --screenshot "$out/$name.png" >/dev/null 2>"$tmp/$name.log" ||
        { cat "$tmp/$name.log" >&2; echo "screenshots: $name failed" >&2; exit 1; }
    echo "$out/$name.png"
}

# 45 s into a steady hold on a 10 cm ball under the right front hip bone.
live patient --sim ball-steady --duration 45
live clinician --sim ball-steady --duration 45 --clinician
live presenter --sim ball-steady --duration 45 --presenter

# Side by side needs a hold on each side: the simulated ball is moved by a centre-of-pressure
# trace to the left hip bone (24 cm across) at 55-58 s. The simulator takes the trace's mean out,
# so a tail that is never played (after 110 s) balances it.
awk 'BEGIN { OFS = "\t"; print "Time[s]", "COPx[cm]", "COPy[cm]"; s = 0
  for (i = 1; i <= 1100; i++) { t = i / 10
    x = t < 55 ? 0 : t < 58 ? 24 * (t - 55) / 3 : 24; print t, x, 0; s += x }
  for (i = 1101; i <= 2000; i++) print i / 10, -s / 900, 0 }' >"$tmp/sides.txt"
live compare --sim ball-steady --cop-trace "$tmp/sides.txt" --duration 108 --compare-sides

# A no-go zone drawn over the spot where the ball lies (a zones-only template in mat millimetres,
# docs/template-format.md).
mkdir -p "$XDG_DATA_HOME/steadymat/templates"
cat >"$XDG_DATA_HOME/steadymat/templates/hip-fold.json" <<'EOF'
{ "format": "steadymat-template", "version": 1, "name": "hip fold",
  "protocol": "ball-release", "posture": "prone", "side": "right", "mirrored": false,
  "mat": { "rows": 32, "cols": 24, "pitch_mm": 25 }, "placement": null, "body": null,
  "zones": [ { "shape": "ellipse", "frame": "mat",
               "x0_mm": 150, "y0_mm": 470, "x1_mm": 290, "y1_mm": 570 } ] }
EOF
live nogo --sim ball-steady --duration 30 --template "hip fold"

calibrate() { # NAME ARGS...: the guided calibration on the simulator's calibration session
    name=$1
    shift
    "$bin" calibrate --sim calibration-steps --speed 80 --headless --masses 5,10,20,20,10 \
        --verify-mass 15 --out "$tmp/$name.json" --screenshot "$out/$name.png" "$@" \
        >"$tmp/$name.log" 2>&1 ||
        { cat "$tmp/$name.log" >&2; echo "screenshots: $name failed" >&2; exit 1; }
    echo "$out/$name.png"
}
calibrate calibration-need --screenshot-step 0
calibrate calibration-step --screenshot-step 3
calibrate calibration-load --screenshot-step 12
calibrate calibration-result
