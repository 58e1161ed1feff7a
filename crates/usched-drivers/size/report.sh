#!/usr/bin/env bash
# Flash (text) of each driver program minus the baseline's, on thumbv7em-none-eabihf and
# thumbv6m-none-eabi: release, opt-level "s", LTO (see Cargo.toml).
set -euo pipefail
cd "$(dirname "$0")"
for target in thumbv7em-none-eabihf thumbv6m-none-eabi; do
    cargo build -q --release --target "$target"
    dir=target/$target/release
    base=$(arm-none-eabi-size "$dir/baseline" | awk 'NR==2 {print $1}')
    echo "$target: baseline text $base B"
    for b in switch pushbutton delay after lcd; do
        t=$(arm-none-eabi-size "$dir/$b" | awk 'NR==2 {print $1}')
        echo "$target: $b text $t B, driver +$((t - base)) B"
    done
done
