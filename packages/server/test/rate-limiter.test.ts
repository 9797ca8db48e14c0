import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ManualClock } from "../src/clock.ts";
import { RateLimiter } from "../src/rate-limiter.ts";

describe("RateLimiter (GCRA)", () => {
  test("lets a burst through at once, then one request per interval", () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ perSecond: 10, burst: 3 }, { clock });
    assert.deepEqual(
      [1, 2, 3].map(() => limiter.take("a")),
      [0, 0, 0],
    );
    assert.equal(limiter.take("a"), 100, "the 4th waits one interval (100 ms at 10/s)");
    clock.advance(99);
    assert.equal(limiter.take("a"), 1);
    clock.advance(1);
    assert.equal(limiter.take("a"), 0);
    assert.equal(limiter.take("a"), 100);
  });

  test("a refused request is not counted: knocking does not push the next allowed time back", () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ perSecond: 1, burst: 1 }, { clock });
    assert.equal(limiter.take("a"), 0);
    for (let i = 0; i < 50; i++) assert.equal(limiter.take("a"), 1000);
    clock.advance(1000);
    assert.equal(limiter.take("a"), 0);
  });

  test("a quiet spell refills the burst, never beyond it", () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ perSecond: 2, burst: 4 }, { clock });
    for (let i = 0; i < 4; i++) assert.equal(limiter.take("a"), 0);
    assert.equal(limiter.take("a"), 500);
    clock.advance(3_600_000);
    for (let i = 0; i < 4; i++) assert.equal(limiter.take("a"), 0, `request ${i + 1} after an hour`);
    assert.equal(limiter.take("a"), 500, "an hour's rest buys the burst, not 7 200 requests");
  });

  test("keys have budgets of their own", () => {
    const limiter = new RateLimiter({ perSecond: 1, burst: 1 }, { clock: new ManualClock() });
    assert.equal(limiter.take("a"), 0);
    assert.equal(limiter.take("b"), 0);
    assert.ok(limiter.take("a") > 0);
  });

  test("peek answers what take would, without counting", () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ perSecond: 1, burst: 2 }, { clock });
    for (let i = 0; i < 10; i++) assert.equal(limiter.peek("a"), 0);
    assert.equal(limiter.take("a"), 0);
    assert.equal(limiter.take("a"), 0);
    assert.equal(limiter.peek("a"), 1000);
    assert.equal(limiter.take("a"), 1000);
  });

  test("fractional rates (30 a minute) allow the whole burst, then one every 2 s", () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter({ perSecond: 30 / 60, burst: 30 }, { clock });
    for (let i = 0; i < 30; i++) assert.equal(limiter.take("ip"), 0);
    assert.equal(limiter.take("ip"), 2000);
  });

  test("reset forgets a key's spending", () => {
    const limiter = new RateLimiter({ perSecond: 1, burst: 1 }, { clock: new ManualClock() });
    limiter.take("a");
    assert.ok(limiter.take("a") > 0);
    limiter.reset("a");
    assert.equal(limiter.take("a"), 0);
  });

  test("past maxKeys the key touched longest ago is forgotten (it gets its burst back), the others are kept", () => {
    const limiter = new RateLimiter({ perSecond: 1, burst: 1 }, { clock: new ManualClock(), maxKeys: 2 });
    limiter.take("a");
    limiter.take("b");
    limiter.take("c");
    assert.ok(limiter.take("b") > 0, "b is remembered");
    assert.ok(limiter.take("c") > 0, "c is remembered");
    assert.equal(limiter.take("a"), 0, "a was forgotten");
  });

  test("refuses a limit that would never let anything through", () => {
    assert.throws(() => new RateLimiter({ perSecond: 0, burst: 1 }), RangeError);
    assert.throws(() => new RateLimiter({ perSecond: 1, burst: 0 }), RangeError);
    assert.throws(() => new RateLimiter({ perSecond: Number.NaN, burst: 1 }), RangeError);
  });
});
