#!/usr/bin/env python3
"""An objective for l2l's `external` optimizee (examples/external-python.yaml).

l2l starts this script once per evaluation and writes the request to its stdin:
  {"generation": 3, "index": 7, "seed": 123..., "params": {"x": 0.5, "y": -1.2}, "vector": [...]}
The answer is one JSON object on stdout: {"fitness": value, "metrics": {...}}. Anything that goes
wrong (an exception, a non-zero exit, no answer) becomes a failed evaluation with the reason.
"""
import json
import sys


def main():
    request = json.load(sys.stdin)
    p = request["params"]
    x, y = p["x"], p["y"]
    value = (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2  # Rosenbrock, minimum 0 at (1, 1)
    distance = ((x - 1.0) ** 2 + (y - 1.0) ** 2) ** 0.5
    print(json.dumps({"fitness": value, "metrics": {"distance_to_optimum": distance}}))


if __name__ == "__main__":
    main()
