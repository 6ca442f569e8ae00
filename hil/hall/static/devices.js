// The devices page: each board's face arrives pushed from /hall/events (server-sent
// events: every face at connect, then each change; the printer's slips; a beat every
// 2 s) and is drawn on its canvas; a key button sends the press to the emulated board.
"use strict";
(function () {
  const COLOURS = { oled: [[0, 0, 0], [120, 200, 255]], led: [[40, 10, 10], [255, 60, 30]] };
  const SILENT_MS = 6000;  // no event (not even a beat) this long: the link is broken
  const $ = (id) => document.getElementById(id);
  const byDev = (attr, dev) => document.querySelector("[" + attr + '="' + CSS.escape(dev) + '"]');

  function draw(f) {
    const c = byDev("data-dev", f.dev);
    if (!c || c.tagName !== "CANVAS") return;
    if (c.width !== f.w || c.height !== f.h) { c.width = f.w; c.height = f.h; }
    const ctx = c.getContext("2d");
    const img = ctx.createImageData(f.w, f.h);
    const bits = atob(f.bits);
    const stride = Math.ceil(f.w / 8);
    const [off, on] = COLOURS[f.kind];
    for (let y = 0; y < f.h; y++) {
      for (let x = 0; x < f.w; x++) {
        const lit = (bits.charCodeAt(y * stride + (x >> 3)) >> (7 - (x & 7))) & 1;
        const rgb = lit ? on : off;
        const p = (y * f.w + x) * 4;
        img.data[p] = rgb[0]; img.data[p + 1] = rgb[1]; img.data[p + 2] = rgb[2]; img.data[p + 3] = 255;
      }
    }
    ctx.putImageData(img, 0, 0);
    const text = byDev("data-text", f.dev);
    if (text) text.textContent = f.text.join("\n");  // what the screen says, as text too
    for (const [name, v] of Object.entries(f.leds)) {
      const lamp = byDev("data-led", f.dev + ":" + name);
      if (lamp) lamp.classList.toggle("lit", !!v);
    }
    const pm = byDev("data-pm", f.dev);   // its radio asleep between beacons: messages to it wait
    if (pm) pm.hidden = !f.pm || f.pm === "none";
  }

  function slip(s) {
    const lines = [s.torn ? "（纸用完，这张没打完）" : ""].concat(s.text.split("\n"), s.qr.map((q) => "二维码：" + q));
    $("slip").textContent = lines.filter((x) => x).join("\n");
  }

  function linkState(ok) {
    const el = $("link");
    el.textContent = ok ? "已连接" : "连接中断，正在重连…";
    el.classList.toggle("broken", !ok);
  }

  let source = null;
  let heard = 0;
  function connect() {
    if (source) source.close();
    source = new EventSource("/hall/events");
    heard = Date.now();
    const seen = () => { heard = Date.now(); linkState(true); };
    source.addEventListener("face", (ev) => { seen(); draw(JSON.parse(ev.data)); });
    source.addEventListener("slip", (ev) => { seen(); slip(JSON.parse(ev.data)); });
    source.addEventListener("beat", seen);
    source.onerror = () => linkState(false);
  }
  // A stream that went silent without closing (the simulator stopped) is opened anew.
  setInterval(() => { if (Date.now() - heard > SILENT_MS) { linkState(false); connect(); } }, 1000);
  connect();

  async function post(url, body) {
    const r = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body) });
    let answer = {};
    try { answer = await r.json(); } catch (e) { /* not JSON: the status says enough */ }
    return [r.ok, answer];
  }

  document.addEventListener("click", async (ev) => {
    const b = ev.target.closest("button[data-key]");
    if (!b) return;
    const [ok, answer] = await post("/hall/bridge/press",
      { device: b.dataset.dev, key: b.dataset.key, long: b.dataset.long === "1" });
    if (!ok) $("msg").textContent = b.textContent + "：按键没有送到设备（" + (answer.detail || "无响应") + "）";
  });

  $("take").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = ev.target;
    const [ok, t] = await post("/hall/ticket", { service: f.service.value, lane: f.lane.value });
    $("msg").textContent = ok ? "已取号 " + t.number : "未取到号：" + (t.detail || "网关没有响应");
  });
})();
