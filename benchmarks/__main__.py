"""Run every benchmark and print its table: ``python -m benchmarks [--quick] [name ...]``."""

from __future__ import annotations

import argparse
import importlib
import pkgutil

import benchmarks
from benchmarks._timing import markdown_table


def modules():
    return sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__)
                  if m.name.startswith("bench_"))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for a smoke test")
    parser.add_argument("names", nargs="*", help="bench_* modules to run (default: all)")
    args = parser.parse_args(argv)
    for name in args.names or modules():
        mod = importlib.import_module(f"benchmarks.{name}")
        print(f"\n### {mod.TITLE}\n")
        print(markdown_table(mod.run(quick=args.quick)))


if __name__ == "__main__":
    main()
