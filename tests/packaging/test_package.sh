#!/usr/bin/env bash
# The Debian package: cpack builds it from this build folder, it is unpacked (dpkg-deb -x, no root
# needed) and the unpacked programs run from there: `remap` finds the packaged model beside it and
# predicts the packaged demo star; `remap-studio` opens the same star offscreen, runs the model and
# saves a screenshot. The desktop entry, AppStream metainfo and icon must be in the package.
#   test_package.sh BUILD_DIR
set -euo pipefail
build=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/remap-package.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "test_package: $*" >&2; exit 1; }

(cd "$work" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1) ||
  { cat "$work/cpack.log" >&2; fail "cpack failed"; }
deb=$(ls "$work"/out/remap-studio_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || fail "cpack wrote no remap-studio_*.deb"
dpkg-deb -f "$deb" Package Depends | tee "$work/control"
grep -q "^Package: remap-studio" "$work/control" || fail "wrong package name"
grep -q "libtorch" "$work/control" || fail "the package does not depend on LibTorch"
dpkg-deb -x "$deb" "$work/root"
root=$work/root/usr
for f in bin/remap share/remap-studio/models/deep-remap.remap share/remap-studio/models/README.md \
         share/remap-studio/demo/demo-sun-like-dwarf.fits share/remap-studio/demo-survey/calibration.csv \
         share/remap-studio/physics/README.md share/remap-studio/physics/lines/atoms.lines.gz; do
  [ -e "$root/$f" ] || fail "missing from the package: /usr/$f"
done
star=$root/share/remap-studio/demo/demo-sun-like-dwarf.fits
# The synthesizer's physics data are compiled into the program: it synthesizes from the package alone.
(cd "$work" && "$root/bin/remap" synth star --teff 5772 --logg 4.44 --feh 0 --window 5180:5190 -o "$work/sun.fits" \
  >/dev/null) || fail "remap synth star failed from the package"

out=$(cd "$work" && env -u REMAP_MODEL "$root/bin/remap" predict --json -q "$star")
echo "$out" | grep -q '"teff"' || fail "no Teff in the prediction: $out"
# The packaged model and demo survey are the ones used (not the source tree's).
out=$(cd "$work" && env -u REMAP_MODEL "$root/bin/remap" evaluate -q \
  --catalog "$root/share/remap-studio/demo-survey/calibration.csv")
echo "$out"
echo "$out" | grep -q "($root/share/remap-studio/models/deep-remap.remap)" || fail "remap did not use the packaged model"
echo "$out" | grep -q "30 stars predicted, 0 failed" || fail "the packaged calibration stars did not all run"

# The Python module (when this build made it): Debian's python3 imports it from the unpacked
# dist-packages folder, finds the packaged model beside it and predicts the demo star.
if [ -e "$build/python/remap_studio/__init__.py" ]; then
  pydir=$root/lib/python3/dist-packages
  [ -e "$pydir/remap_studio/__init__.py" ] || fail "missing from the package: /usr/lib/python3/dist-packages/remap_studio"
  out=$(cd "$work" && env -u REMAP_MODEL PYTHONPATH="$pydir" /usr/bin/python3 -c \
    'import sys, remap_studio as rs; m = rs.Model(); print(m.path); print(m.predict(sys.argv[1]).teff.median)' "$star") ||
    fail "import remap_studio from the package failed"
  echo "python: $out"
  [ "$(echo "$out" | head -n 1)" = "$(realpath "$root/share/remap-studio/models/deep-remap.remap")" ] ||
    fail "remap_studio did not use the packaged model"
fi

if [ -e "$root/bin/remap-studio" ]; then
  for f in share/applications/remap-studio.desktop share/metainfo/io.github.remap.Studio.metainfo.xml \
           share/icons/hicolor/scalable/apps/remap-studio.svg; do
    [ -e "$root/$f" ] || fail "missing from the package: /usr/$f"
  done
  grep -q "^Exec=remap-studio" "$root/share/applications/remap-studio.desktop" || fail "desktop entry without Exec"
  QT_QPA_PLATFORM=offscreen HOME="$work" XDG_CONFIG_HOME="$work/config" \
    "$root/bin/remap-studio" --screenshot "$work/studio.png" "$star" 2>"$work/studio.log" ||
    { cat "$work/studio.log" >&2; fail "remap-studio did not show the demo star"; }
  [ -s "$work/studio.png" ] || fail "remap-studio wrote no screenshot"
  echo "remap-studio: $(grep -c . "$work/studio.log") log lines, screenshot $(stat -c %s "$work/studio.png") bytes"
fi
echo "test_package: ok ($(stat -c %s "$deb") bytes)"
