#!/usr/bin/env python3
"""Prime factors over Weft's exec protocol (NDJSON on stdin/stdout); Python 3 standard library only.

Each input line is {"id": ..., "value": <n>, ...}; each answer is {"id": ..., "value": {"n": n, "factors": [...]}},
or {"id": ..., "error": "..."} when the value is not a non-negative integer up to 2^53 - 1.
Run it by hand:  echo '{"id": "a", "value": 360}' | python3 examples/factorize.py
"""

import json
import sys

MAX_N = 2**53 - 1


def prime_factors(n):
    """Prime factors of n with multiplicity, ascending, by trial division (0 and 1 have none)."""
    factors = []
    for p in (2, 3):
        while n >= p and n % p == 0:
            factors.append(p)
            n //= p
    d = 5  # candidates 6k - 1 and 6k + 1
    while d * d <= n:
        for q in (d, d + 2):
            while n % q == 0:
                factors.append(q)
                n //= q
        d += 6
    if n > 1:
        factors.append(n)
    return factors


def answer(request):
    n = request.get("value")
    # bool is an int in Python; JSON true is not a number.
    if not isinstance(n, int) or isinstance(n, bool):
        return {"id": request["id"], "error": f"factorize needs an integer, got {json.dumps(n)[:60]}"}
    if n < 0 or n > MAX_N:
        return {"id": request["id"], "error": f"factorize needs an integer from 0 to 2^53-1, got {n}"}
    return {"id": request["id"], "value": {"n": n, "factors": prime_factors(n)}}


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            request = json.loads(line)
        except ValueError:
            print(f"factorize.py: skipped a line that is not JSON: {line[:80]}", file=sys.stderr, flush=True)
            continue
        if not isinstance(request, dict) or not isinstance(request.get("id"), str):
            print("factorize.py: skipped a line without a string id", file=sys.stderr, flush=True)
            continue
        sys.stdout.write(json.dumps(answer(request)) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    try:
        main()
    except (KeyboardInterrupt, BrokenPipeError):
        pass
