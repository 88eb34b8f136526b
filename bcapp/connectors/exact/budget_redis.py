"""The Exact call budget in Redis, shared by every worker of a division.

The rules are :mod:`bcapp.connectors.exact.limits`' (``take``/``merge``/``roll``);
each step is one Lua script here, so concurrent workers take permits and fold in
answers' headers atomically. Keys (``{prefix}{division}``):

* ``…`` a hash: ``d_limit d_left d_reset m_limit m_left m_reset`` (resets in epoch ms);
* ``…:err:{endpoint}`` a sorted set of error times (ms) within the last hour;
* ``…:err`` the set of endpoints that erred (for the dashboard).

When Redis cannot be reached the budget *fails open* (logs once and grants):
Exact's own headers and 429s, which the client still honours, then keep us in
line, and a web request does not fail because Redis hiccupped.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from redis.exceptions import RedisError

from bcapp.connectors.exact.budget import (
    BudgetBase,
    BudgetSnapshot,
    LocalCallBudget,
    snapshot_of,
)
from bcapp.connectors.exact.limits import DAY_MS, HOUR_MS, MINUTE_MS, RateHeaders, roll

log = logging.getLogger(__name__)

_ROLL = """
local function roll(s, p, span, now)
  local reset = tonumber(s[p .. '_reset'])
  if reset == nil or now < reset then return end
  s[p .. '_reset'] = reset + span * (math.floor((now - reset) / span) + 1)
  s[p .. '_left'] = s[p .. '_limit']
end
local function load(key)
  local raw = redis.call('HGETALL', key)
  local s = {}
  for i = 1, #raw, 2 do s[raw[i]] = tonumber(raw[i + 1]) end
  return s
end
local function save(key, s, ttl)
  redis.call('DEL', key)
  for k, v in pairs(s) do redis.call('HSET', key, k, v) end
  if next(s) ~= nil then redis.call('PEXPIRE', key, ttl) end
end
"""

_TAKE = (
    _ROLL
    + """
local now, orders = tonumber(ARGV[1]), tonumber(ARGV[2])
local reserve, fraction = tonumber(ARGV[3]), tonumber(ARGV[4])
local backoff_at, hour, ttl = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - hour)
if redis.call('ZCARD', KEYS[2]) >= backoff_at then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  return {3, tonumber(oldest[2]) + hour - now}
end
local s = load(KEYS[1])
roll(s, 'd', 86400000, now)
roll(s, 'm', 60000, now)
local floor = 0
if orders == 0 then
  if reserve >= 0 then floor = reserve
  elseif s['d_limit'] ~= nil then floor = math.ceil(s['d_limit'] * fraction) end
end
local result = {0, 0}
if s['d_left'] ~= nil and s['d_left'] <= floor then
  result = {2, s['d_reset'] - now}
elseif s['m_left'] ~= nil and s['m_left'] <= 0 then
  result = {1, s['m_reset'] - now}
else
  if s['d_left'] ~= nil then s['d_left'] = s['d_left'] - 1 end
  if s['m_left'] ~= nil then s['m_left'] = s['m_left'] - 1 end
end
save(KEYS[1], s, ttl)
return result
"""
)

_OBSERVE = (
    _ROLL
    + """
local function merge(s, p, span, now, limit, left, reset)
  if left < 0 or reset < 0 then return end
  if limit >= 0 then s[p .. '_limit'] = limit end
  local known = s[p .. '_reset']
  if known == nil or now >= known or reset > known + math.floor(span / 2) then
    s[p .. '_left'] = left
    s[p .. '_reset'] = reset
  elseif reset >= known - math.floor(span / 2) then
    s[p .. '_left'] = math.min(s[p .. '_left'] or left, left)
    s[p .. '_reset'] = reset
  end
end
local now, ttl = tonumber(ARGV[1]), tonumber(ARGV[8])
local s = load(KEYS[1])
merge(s, 'd', 86400000, now, tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]))
merge(s, 'm', 60000, now, tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]))
save(KEYS[1], s, ttl)
return 1
"""
)

_EXHAUST = """
redis.call('HSET', KEYS[1], ARGV[1] .. '_left', 0, ARGV[1] .. '_reset', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
"""

_ERROR = """
local now, hour = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - hour)
redis.call('PEXPIRE', KEYS[1], hour)
redis.call('SADD', KEYS[2], ARGV[4])
redis.call('PEXPIRE', KEYS[2], hour)
return 1
"""

#: Forget a division's state after two idle days (it is re-learnt from the next answer).
TTL_MS = 2 * DAY_MS


class RedisCallBudget(BudgetBase):
    """The budget in Redis (see the module docstring).

    Args:
        redis: a ``redis.Redis`` client.
        division: the Exact division (company) whose calls these are.
        prefix: key prefix; the key is ``{prefix}{division}``.
        **kwargs: the policy of :class:`~bcapp.connectors.exact.budget.BudgetBase`.
    """

    def __init__(
        self,
        redis: Any,
        division: str,
        *,
        prefix: str = "bcapp:exact:budget:",
        **kwargs: Any,
    ) -> None:
        super().__init__(division, **kwargs)
        self.redis = redis
        self.key = f"{prefix}{division}"
        self._degraded = False
        self._take_script = redis.register_script(_TAKE)
        self._observe_script = redis.register_script(_OBSERVE)
        self._exhaust_script = redis.register_script(_EXHAUST)
        self._error_script = redis.register_script(_ERROR)

    def _errors_key(self, endpoint: str) -> str:
        return f"{self.key}:err:{endpoint}"

    def _run(self, script: Any, keys: list[str], args: list[Any]) -> Any:
        try:
            result = script(keys=keys, args=args)
        except RedisError as exc:
            if not self._degraded:
                log.warning(
                    "Exact call budget %s unavailable (%s); relying on headers", self.key, exc
                )
            self._degraded = True
            return None
        self._degraded = False
        return result

    def _take(self, now: int, orders: bool, endpoint: str) -> tuple[int, int]:
        reserve = -1 if self.reserve is None else self.reserve
        args = [now, int(orders), reserve, self.reserve_fraction, self.error_backoff_at]
        result = self._run(
            self._take_script, [self.key, self._errors_key(endpoint)], [*args, HOUR_MS, TTL_MS]
        )
        if result is None:
            return 0, 0
        return int(result[0]), int(result[1])

    def _observe(self, now: int, limits: RateHeaders) -> None:
        values = [
            limits.daily_limit,
            limits.daily_left,
            limits.daily_reset,
            limits.minutely_limit,
            limits.minutely_left,
            limits.minutely_reset,
        ]
        args = [now, *(-1 if v is None else v for v in values), TTL_MS]
        self._run(self._observe_script, [self.key], args)

    def _exhaust(self, now: int, prefix: str, reset: int) -> None:
        ttl = max(TTL_MS, reset - now + MINUTE_MS)
        self._run(self._exhaust_script, [self.key], [prefix, reset, ttl])

    def _record_error(self, now: int, endpoint: str) -> None:
        member = f"{now}:{uuid.uuid4().hex[:8]}"
        keys = [self._errors_key(endpoint), f"{self.key}:err"]
        self._run(self._error_script, keys, [now, HOUR_MS, member, endpoint])

    def snapshot(self) -> BudgetSnapshot:
        now = self.now_ms()
        try:
            raw = self.redis.hgetall(self.key)
            endpoints = [_text(e) for e in self.redis.smembers(f"{self.key}:err")]
            counts = {
                e: int(self.redis.zcount(self._errors_key(e), now - HOUR_MS, "+inf"))
                for e in endpoints
            }
            errors = {e: n for e, n in counts.items() if n}
        except RedisError:
            raw, errors = {}, {}
        state = {_text(k): int(float(_text(v))) for k, v in raw.items()}
        roll(state, "d", DAY_MS, now)
        roll(state, "m", MINUTE_MS, now)
        return snapshot_of(self.division, state, self._floor(state, False), errors)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def budget_for(
    division: str | int, redis: Any | None = None, *, namespace: str = "", **kwargs: Any
) -> BudgetBase:
    """A Redis budget when a Redis client is given, else an in-process one.

    ``namespace`` (the app's key prefix) goes into the Redis keys, so deployments
    sharing a Redis keep their budgets apart.
    """
    if redis is not None:
        prefix = f"bcapp:exact:budget:{namespace}"
        return RedisCallBudget(redis, str(division), prefix=prefix, **kwargs)
    return LocalCallBudget(str(division), **kwargs)
