"""The per-store request budget in Redis, shared by every worker of a store.

The rules are :mod:`bcapp.bigcommerce.ratelimit`'s (that module's docstring);
here each step is one Lua script, so concurrent workers take permits and fold
in answers' headers atomically.
"""

from __future__ import annotations

import logging
from typing import Any

from redis.exceptions import RedisError

from bcapp.bigcommerce.ratelimit import (
    DEFAULT_WINDOW_MS,
    Budget,
    BudgetSnapshot,
    LocalBudget,
    RateLimitHeaders,
    _BudgetBase,
    _snapshot,
)

log = logging.getLogger(__name__)

_TAKE = """
local s = redis.call('HMGET', KEYS[1], 'quota', 'left', 'window_ms', 'reset_at')
if not s[2] then
  redis.call('HINCRBY', KEYS[1], 'out', 1)
  redis.call('PEXPIRE', KEYS[1], 120000)
  return 0
end
local now = tonumber(ARGV[1])
local reserve = tonumber(ARGV[2])
local quota, left = tonumber(s[1]), tonumber(s[2])
local window, reset_at = tonumber(s[3]), tonumber(s[4])
if window <= 0 then window = 30000 end
if now >= reset_at then
  if quota < 0 then redis.call('DEL', KEYS[1]) return 0 end
  reset_at = reset_at + window * (math.floor((now - reset_at) / window) + 1)
  left = quota
  redis.call('HSET', KEYS[1], 'out', 0)
end
if left > reserve then
  redis.call('HSET', KEYS[1], 'left', left - 1, 'reset_at', reset_at)
  redis.call('HINCRBY', KEYS[1], 'out', 1)
  return 0
end
redis.call('HSET', KEYS[1], 'left', left, 'reset_at', reset_at)
return reset_at - now
"""

_OBSERVE = """
local s = redis.call('HMGET', KEYS[1], 'quota', 'left', 'window_ms', 'reset_at')
local now, left, reset_ms = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local quota, window, ttl = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local out = math.max(0, (tonumber(redis.call('HGET', KEYS[1], 'out')) or 0) - 1)
redis.call('HSET', KEYS[1], 'out', out)
if window <= 0 then window = tonumber(s[3]) or 30000 end
if quota < 0 then quota = tonumber(s[1]) or left end
local new_reset = now + reset_ms
local half = math.floor(window / 2)
if (not s[2]) or now >= tonumber(s[4]) or new_reset > tonumber(s[4]) + half then
  redis.call('HSET', KEYS[1], 'quota', quota, 'left', math.max(0, left - out),
             'window_ms', window, 'reset_at', new_reset, 'updated_at', now)
elseif new_reset >= tonumber(s[4]) - half then
  redis.call('HSET', KEYS[1], 'quota', quota, 'window_ms', window, 'reset_at', new_reset,
             'left', math.min(tonumber(s[2]), left), 'updated_at', now)
end
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
"""

_RELEASE = """
local out = tonumber(redis.call('HGET', KEYS[1], 'out')) or 0
if out > 0 then redis.call('HSET', KEYS[1], 'out', out - 1) end
return 1
"""

_EXHAUST = """
local s = redis.call('HMGET', KEYS[1], 'quota', 'window_ms')
local now, reset_ms = tonumber(ARGV[1]), tonumber(ARGV[2])
local quota, window, ttl = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
if quota < 0 then quota = tonumber(s[1]) or -1 end
if window <= 0 then window = tonumber(s[2]) or 30000 end
redis.call('HSET', KEYS[1], 'quota', quota, 'left', 0, 'window_ms', window,
           'reset_at', now + reset_ms, 'updated_at', now)
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
"""


class RedisBudget(_BudgetBase):
    """The budget in Redis, so all workers of one store stay inside its quota together.

    Args:
        redis: a ``redis.Redis`` client (the app's, or one per worker).
        store_hash: the store whose quota this is.
        prefix: key prefix; the key is ``{prefix}{store_hash}``.
        max_wait: longest wait (seconds) for a permit before raising ``RateLimited``.
        reserve: permits per window to leave for the merchant's other apps.

    When Redis cannot be reached the budget *fails open* (logs a warning and grants):
    BigCommerce's own 429s, which the client still honours, then keep us in line,
    and a web request (install, settings) does not fail because Redis hiccupped.
    """

    def __init__(
        self, redis: Any, store_hash: str, *, prefix: str = "bcapp:bc:budget:", **kwargs: Any
    ) -> None:
        super().__init__(store_hash, **kwargs)
        self.redis = redis
        self._degraded = False
        self.key = f"{prefix}{store_hash}"
        self._take_script = redis.register_script(_TAKE)
        self._observe_script = redis.register_script(_OBSERVE)
        self._exhaust_script = redis.register_script(_EXHAUST)
        self._release_script = redis.register_script(_RELEASE)

    def _ttl(self, window_ms: int | None) -> int:
        # Stale state is worse than none: forget it after a few idle windows.
        return 4 * (window_ms or DEFAULT_WINDOW_MS)

    def _run(self, script: Any, args: list[int]) -> int:
        try:
            result = int(script(keys=[self.key], args=args))
        except RedisError as exc:
            if not self._degraded:
                log.warning("rate budget %s unavailable (%s); relying on 429s", self.key, exc)
            self._degraded = True
            return 0
        self._degraded = False
        return result

    def _take(self, now: int) -> int:
        return self._run(self._take_script, [now, self.reserve])

    def _observe(self, now: int, limits: RateLimitHeaders) -> None:
        assert limits.left is not None and limits.reset_ms is not None  # limits.usable
        self._run(
            self._observe_script,
            [
                now,
                limits.left,
                limits.reset_ms,
                _or_minus(limits.quota),
                _or_minus(limits.window_ms),
                self._ttl(limits.window_ms),
            ],
        )

    def _release(self) -> None:
        self._run(self._release_script, [])

    def _exhaust(self, now: int, reset_ms: int, limits: RateLimitHeaders | None) -> None:
        quota = limits.quota if limits else None
        window = limits.window_ms if limits else None
        self._run(
            self._exhaust_script,
            [now, reset_ms, _or_minus(quota), _or_minus(window), self._ttl(window) + reset_ms],
        )

    def snapshot(self) -> BudgetSnapshot:
        try:
            raw = self.redis.hgetall(self.key)
        except RedisError:
            raw = {}
        state = {
            key.decode() if isinstance(key, bytes) else key: int(float(value))
            for key, value in raw.items()
        }
        return _snapshot(self.store_hash, state or None, self.now_ms())


def _or_minus(value: int | None) -> int:
    return -1 if value is None else value


def budget_for(
    store_hash: str, redis: Any | None = None, *, namespace: str = "", **kwargs: Any
) -> Budget:
    """A Redis budget when a Redis client is given, else an in-process one.

    ``namespace`` (the app's key prefix) goes into the Redis key: deployments
    sharing a Redis keep their budgets apart.
    """
    if redis is not None:
        return RedisBudget(redis, store_hash, prefix=f"bcapp:bc:budget:{namespace}", **kwargs)
    return LocalBudget(store_hash, **kwargs)
