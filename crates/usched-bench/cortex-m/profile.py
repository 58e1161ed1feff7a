#!/usr/bin/env python3
"""Where the instructions go: runs a Cortex-M benchmark program in QEMU one instruction at a time,
and counts executed instructions per function (and per address with --addr).

Usage: profile.py ELF [--addr SYMBOL-SUBSTRING] [--top N]

QEMU logs every executed instruction (`-singlestep -d exec,nochain`); the counts are exact for the
whole run, so divide by the operations the program reports. Monomorphised copies of one function
(one per scheduler size) have their own addresses and are listed apart.
"""
import bisect, collections, re, subprocess, sys, tempfile, os

def main():
    args = sys.argv[1:]
    elf = args[0]
    addr_of = None
    top = 40
    if "--addr" in args:
        addr_of = args[args.index("--addr") + 1]
    if "--top" in args:
        top = int(args[args.index("--top") + 1])
    nm = subprocess.run(["arm-none-eabi-nm", "-S", "-C", "--defined-only", elf], capture_output=True, text=True).stdout
    syms = []
    for line in nm.splitlines():
        m = re.match(r"([0-9a-f]+) ([0-9a-f]+) [tTwW] (.*)", line)
        if m:
            syms.append((int(m.group(1), 16) & ~1, int(m.group(2), 16), m.group(3)))
    syms.sort()
    starts = [s[0] for s in syms]
    with tempfile.TemporaryDirectory() as d:
        log = os.path.join(d, "trace.log")
        out = subprocess.run(
            ["qemu-system-arm", "-machine", "mps2-an386", "-cpu", "cortex-m4", "-nographic",
             "-icount", "shift=6,sleep=off", "-semihosting-config", "enable=on,target=native",
             "-singlestep", "-d", "exec,nochain", "-D", log, "-kernel", elf],
            capture_output=True, text=True, timeout=600).stdout
        print(out, end="")
        pcs = collections.Counter()
        with open(log) as f:
            for line in f:
                m = re.search(r"\[[0-9a-f]+/([0-9a-f]+)/", line)
                if m:
                    pcs[int(m.group(1), 16)] += 1
    per = collections.Counter()
    for pc, n in pcs.items():
        i = bisect.bisect_right(starts, pc) - 1
        name = f"{syms[i][2]}@{syms[i][0]:x}" if i >= 0 and pc < syms[i][0] + max(syms[i][1], 1) else f"?@{pc:x}"
        per[name] += n
    total = sum(per.values())
    print(f"total {total}")
    for name, n in per.most_common(top):
        print(f"{n:>10} {name}")
    if addr_of:
        print(f"--- per address in functions matching {addr_of!r}")
        for pc in sorted(pcs):
            i = bisect.bisect_right(starts, pc) - 1
            if i >= 0 and addr_of in syms[i][2]:
                print(f"{pcs[pc]:>10} {pc:x} {syms[i][2]}")

main()
