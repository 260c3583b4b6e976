#!/usr/bin/env python3
"""Pools the repetitions of several bench-engine JSON outputs and prints,
per benchmark, the median, min and max ns/packet, then the figures
doc/benchmarks-engine.md derives from them.

Usage: bench_summary.py run1.json [run2.json ...]
(written by bench-engine --benchmark_repetitions=N --benchmark_out=runK.json
 --benchmark_out_format=json)"""
import json
import statistics
import sys


def pooled(files):
    samples = {}
    for path in files:
        with open(path) as f:
            run = json.load(f)
        for b in run["benchmarks"]:
            if b.get("run_type") == "iteration":
                samples.setdefault(b["run_name"], []).append(b["time/pkt"] * 1e9)
    return samples


def main():
    samples = pooled(sys.argv[1:])
    med = {}
    for name, values in samples.items():
        med[name] = statistics.median(values)
        print(f"{name:40s} median {med[name]:8.2f}  min {min(values):8.2f}  "
              f"max {max(values):8.2f}  n={len(values)}")

    def get(name):
        return med.get(name, float("nan"))

    for size in (64, 1400):
        base = get(f"BM_baseline_rx_alloc_copy_free/{size}")
        one = get(f"BM_full_1to1/{size}")
        sixteen = get(f"BM_full_1to16/{size}")
        textbook = get(f"BM_baseline_output/{size}")
        print(f"{size} B: 1:1 engine cost {one - base:.1f} ns, "
              f"per extra output {(sixteen - one) / 15:.1f} ns "
              f"(textbook output alone {textbook:.1f} ns)")
    copy = get("BM_full_1to16_copy_only/1400")
    print(f"1400 B copy only: per extra output {(copy - get('BM_full_1to1/1400')) / 15:.1f} ns")
    print(f"1400 B textbook output with the received mbuf shared (refcount): "
          f"{get('BM_baseline_output_refcount/1400'):.1f} ns")
    for size in (128, 192, 256, 384, 512, 1024, 1400):
        copy = get(f"BM_full_1to16_copy_only/{size}")
        clone = get(f"BM_full_1to16_clone_only/{size}")
        if copy == copy and clone == clone:  # both measured (not NaN)
            print(f"1:16 at {size} B: copies {copy:.1f}, clones {clone:.1f} ns per packet "
                  f"({'clone' if clone < copy else 'copy'} cheaper)")
    print(f"lookup 100k/10: {get('BM_lookup_bulk/100000') / get('BM_lookup_bulk/10'):.2f}")


if __name__ == "__main__":
    main()
