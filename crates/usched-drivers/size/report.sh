#!/usr/bin/env bash
# Flash (text) of each driver program minus the baseline's: thumbv7em-none-eabihf, opt-level "s", LTO.
set -euo pipefail
cd "$(dirname "$0")"
cargo build -q --release
dir=target/thumbv7em-none-eabihf/release
base=$(arm-none-eabi-size "$dir/baseline" | awk 'NR==2 {print $1}')
echo "baseline text $base B"
for b in switch pushbutton delay after lcd; do
    t=$(arm-none-eabi-size "$dir/$b" | awk 'NR==2 {print $1}')
    echo "$b text $t B, driver +$((t - base)) B"
done
