"""Smoke test of redis-py against redis-playground-server.

Usage: python3 tests/clients/redis_py_smoke.py PORT
SMOKE_SKIP=incr,mget,hello skips checks of commands the engine does not have yet
(without HELLO only RESP2 is exercised; with it, RESP2 and RESP3).
Exits non-zero (with a traceback) on the first wrong answer.
"""

import os
import sys

import redis


def run_checks(r: "redis.Redis", skip: set) -> int:
    checks = 0

    assert r.ping() is True
    assert r.set("smoke:greeting", "hello") is True
    assert r.get("smoke:greeting") == b"hello"
    assert r.get("smoke:missing") is None
    binary = bytes(range(256))
    assert r.set("smoke:binary", binary) is True
    assert r.get("smoke:binary") == binary
    checks += 6

    if "incr" not in skip:
        r.set("smoke:counter", 10)
        assert r.incr("smoke:counter") == 11
        assert r.incr("smoke:counter", 5) == 16
        try:
            r.incr("smoke:greeting")
            raise AssertionError("INCR of a non-number did not fail")
        except redis.exceptions.ResponseError as e:
            assert str(e) == "value is not an integer or out of range", str(e)
        checks += 3

    pipe = r.pipeline(transaction=False)
    for i in range(100):
        pipe.set(f"smoke:p:{i}", i)
    for i in range(100):
        pipe.get(f"smoke:p:{i}")
    results = pipe.execute()
    assert results[:100] == [True] * 100
    assert results[100:] == [str(i).encode() for i in range(100)]
    checks += 1

    if "mget" not in skip:
        assert r.mget(["smoke:p:1", "smoke:missing", "smoke:p:2"]) == [b"1", None, b"2"]
        checks += 1

    assert r.delete("smoke:greeting", "smoke:missing") == 1
    assert r.exists("smoke:greeting") == 0
    checks += 2

    if "eval" not in skip:
        # Scripts: EVAL, and redis-py's Script object (EVALSHA, falling back to EVAL on NOSCRIPT).
        assert r.eval("return redis.call('set', KEYS[1], ARGV[1])", 1, "smoke:s", "v") in (b"OK", "OK")
        incr = r.register_script("return redis.call('incrby', KEYS[1], ARGV[1])")
        r.script_flush()
        assert incr(keys=["smoke:n"], args=[5]) == 5
        assert incr(keys=["smoke:n"], args=[2]) == 7
        assert r.delete("smoke:s", "smoke:n") == 2
        checks += 4

    return checks


def main() -> int:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 6380
    skip = {c for c in os.environ.get("SMOKE_SKIP", "").lower().split(",") if c}
    protocols = [2] if "hello" in skip else [2, 3]
    for proto in protocols:
        r = redis.Redis(host="127.0.0.1", port=port, socket_timeout=10, protocol=proto)
        checks = run_checks(r, skip)
        r.close()
        skipped = f" (skipped: {', '.join(sorted(skip))})" if skip else ""
        print(f"redis-py {redis.__version__} RESP{proto}: {checks} checks passed{skipped}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
