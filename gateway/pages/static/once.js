// One touch, one request: a fresh Idempotency-Key for each touch, and the same request sent
// again with the same key when no answer comes (a time-out, a network error). The gateway
// applies a key once and answers a repeat with the first answer, so a retry never takes a
// second ticket or calls twice (gateway/api/once.py). Used by the kiosk and the clerk console.
"use strict";
const once = (function () {
  // crypto.randomUUID needs a secure context (https or localhost); the hall's pages are served
  // over plain http on the hall's network, where getRandomValues still works.
  function newKey() {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  }

  // post(path, body, {headers, timeoutMs, tries, retrying(n)}) -> {status, data}; throws when
  // every try went unanswered (the caller says so: the outcome is not known).
  async function post(path, body, opts) {
    const o = opts || {};
    const key = newKey(), tries = o.tries || 3, timeoutMs = o.timeoutMs || 10000;
    const headers = Object.assign({"Content-Type": "application/json", "Idempotency-Key": key}, o.headers || {});
    for (let n = 1; ; n++) {
      const stop = new AbortController();
      const timer = setTimeout(() => stop.abort(), timeoutMs);
      try {
        const r = await fetch(path, {method: "POST", credentials: "same-origin", headers: headers,
                                     body: JSON.stringify(body), signal: stop.signal});
        const text = await r.text();  // cut off on the way (time-out, network): tried again below
        let data = null;
        try { data = JSON.parse(text); } catch (e) { /* an empty or non-JSON answer: the status says enough */ }
        return {status: r.status, data: data, key: key};
      } catch (e) {
        if (n >= tries) throw e;
        if (o.retrying) o.retrying(n);
        await new Promise((done) => setTimeout(done, Math.min(500 * n, 2000)));
      } finally {
        clearTimeout(timer);
      }
    }
  }

  return {post: post, newKey: newKey};
})();
