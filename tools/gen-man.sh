#!/bin/sh
# steadymat(1) from the program's own help, at build time: help2man turns `steadymat --help`
# and `--version` into the page, and every command's --help (options, keys in the window) is
# added as its own section, so the page covers every command and key the program knows.
#   sh tools/gen-man.sh STEADYMAT HELP2MAN OUT
set -eu
bin=$1
help2man=$2
out=$3
inc=$out.include
{
  echo "[COMMANDS]"
  for cmd in live replay sim import calibrate analyze history report ports; do
    echo ".SS $cmd"
    echo ".nf"
    "$bin" "$cmd" --help | sed -e 's/\\/\\\\/g' -e 's/^\./\\\&./' -e "s/^'/\\\\\&'/"
    echo ".fi"
  done
  echo "[FILES]"
  echo "Settings and the safety-screen marker in \$XDG_CONFIG_HOME/steadymat/; sessions,"
  echo "calibrations and templates in \$XDG_DATA_HOME/steadymat/; the reference calibration"
  echo "profile, firmware images and udev rule under the install prefix (share/steadymat)."
  echo "[SEE ALSO]"
  echo "The README and docs/ of the SteadyMat sources."
} >"$inc"
"$help2man" --no-info --no-discard-stderr --section 1 \
  --name "pressure-mat biofeedback for steady iliacus and psoas release" \
  --include "$inc" --output "$out" "$bin"
rm -f "$inc"
