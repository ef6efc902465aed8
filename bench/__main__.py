"""``python -m bench``: see bench/run.py and docs/performance.md."""

from bench.run import main

main()
