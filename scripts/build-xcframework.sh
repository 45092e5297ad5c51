#!/usr/bin/env bash
# Builds ios/CoachlineKit/CoachlineFFI.xcframework on a Mac: libcoachline_ffi as a
# static library for iOS devices (aarch64-apple-ios) and the simulator
# (aarch64-apple-ios-sim and x86_64-apple-ios, one fat library by lipo), with the
# generated C header and its module map; and copies the generated Coachline.swift
# into ios/CoachlineKit/Sources/Coachline/. Both are git-ignored.
#
#   scripts/build-xcframework.sh [--debug]
#
# Release by default. Needs macOS with Xcode (xcodebuild, lipo) and rustup; adds the
# three iOS targets to the toolchain if they are missing. Honours CARGO_TARGET_DIR
# (default target/). Runs with macOS's bash 3.2. The steps follow
# mozilla/application-services' megazords/ios-rust/build-xcframework.sh.
set -euo pipefail

if [ "$(uname -s)" != Darwin ]; then
  echo "build-xcframework: needs macOS with Xcode (this is $(uname -s)); the XCFramework cannot be built here" >&2
  exit 1
fi
for tool in xcodebuild lipo cargo rustup; do
  command -v "$tool" >/dev/null || { echo "build-xcframework: $tool not found (install Xcode and rustup)" >&2; exit 1; }
done

cd "$(dirname "$0")/.."
repo=$(pwd -P)

profile=release
case "${1:-}" in
  --debug) profile=debug ;;
  '') ;;
  *) echo "usage: $0 [--debug]" >&2; exit 2 ;;
esac
profile_flag=()
[ "$profile" = release ] && profile_flag=(--release)

device=aarch64-apple-ios
simulators=(aarch64-apple-ios-sim x86_64-apple-ios)
targets=("$device" "${simulators[@]}")
installed=$(rustup target list --installed)
for t in "${targets[@]}"; do
  grep -qx "$t" <<<"$installed" || rustup target add "$t"
done

export IPHONEOS_DEPLOYMENT_TARGET=${IPHONEOS_DEPLOYMENT_TARGET:-16.0}
target_dir=$(mkdir -p "${CARGO_TARGET_DIR:-target}" && cd "${CARGO_TARGET_DIR:-target}" && pwd -P)
lib=libcoachline_ffi.a

# 1. The static library, once per target.
for t in "${targets[@]}"; do
  echo "building coachline-ffi for $t ($profile)"
  cargo build --quiet -p coachline-ffi --lib ${profile_flag[@]+"${profile_flag[@]}"} --target "$t"
done

# 2. The bindings, from the host's library (its metadata is the same on every target).
cargo build --quiet -p coachline-ffi --lib
cargo build --quiet -p coachline-ffi --bin uniffi-bindgen
out="$repo/bindings-out/swift"
rm -rf "$out"
"$target_dir/debug/uniffi-bindgen" generate --library "$target_dir/debug/libcoachline_ffi.dylib" \
  --language swift --no-format --out-dir "$out" >/dev/null
for f in Coachline.swift coachlineFFI.h coachlineFFI.modulemap; do
  [ -s "$out/$f" ] || { echo "build-xcframework: $out/$f was not generated" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The headers of the framework: the header and UniFFI's module map (module
# CoachlineFFI, the name Coachline.swift imports), as module.modulemap.
mkdir -p "$work/headers" "$work/simulator"
cp "$out/coachlineFFI.h" "$work/headers/"
cp "$out/coachlineFFI.modulemap" "$work/headers/module.modulemap"

# 3. One library for both simulators.
lipo -create -output "$work/simulator/$lib" \
  "$target_dir/${simulators[0]}/$profile/$lib" "$target_dir/${simulators[1]}/$profile/$lib"

# 4. The XCFramework.
xcframework="$repo/ios/CoachlineKit/CoachlineFFI.xcframework"
rm -rf "$xcframework"
xcodebuild -create-xcframework \
  -library "$target_dir/$device/$profile/$lib" -headers "$work/headers" \
  -library "$work/simulator/$lib" -headers "$work/headers" \
  -output "$xcframework"

mkdir -p "$repo/ios/CoachlineKit/Sources/Coachline"
cp "$out/Coachline.swift" "$repo/ios/CoachlineKit/Sources/Coachline/Coachline.swift"
echo "built $xcframework and ios/CoachlineKit/Sources/Coachline/Coachline.swift"
