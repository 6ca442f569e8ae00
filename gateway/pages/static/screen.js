/* The hall screen: pushed over Server-Sent Events, never polled. A snapshot on every
   (re)connect replaces the picture, so a screen that missed anything catches up without
   a reload; heartbeats every 2 s tell a dead link from a quiet hall. Bounded DOM: the
   lists are replaced, never appended to; one clock timer, one watchdog, no listeners added
   per message. */
(function () {
  "use strict";
  var STALE_MS = 4500;      // two heartbeats missed: say so (within the 5 s the hall expects)
  var FORCE_MS = 10000;     // no word at all for this long: drop the link and dial again
  var REDIAL_MS = 2000;
  var CHIME_GAP_MS = 3000;
  var CHIME_MAX_AGE_S = 1.5;

  window.screenBootId = String(Date.now()) + "-" + Math.random().toString(36).slice(2);
  var key = new URLSearchParams(location.search).get("key") || "";
  var $ = function (id) { return document.getElementById(id); };
  var es = null, redial = null, lastSeq = null, lastWord = 0, dialedAt = 0;
  var offsetMs = 0, tz = "Asia/Shanghai", fmtDate = null, fmtTime = null;
  var shownCall = null, lastChime = 0, chimeOn = false, audio = null, bandText = null, waitingKeys = "";

  function formatters() {
    fmtDate = new Intl.DateTimeFormat("zh-CN", { timeZone: tz, year: "numeric", month: "long", day: "numeric",
                                                 weekday: "long" });
    fmtTime = new Intl.DateTimeFormat("zh-CN", { timeZone: tz, hour: "2-digit", minute: "2-digit",
                                                 second: "2-digit", hourCycle: "h23" });
  }

  // The clock is computed from Date (plus the gateway's offset) on every tick, so it never
  // drifts; each tick is aimed at the next whole second.
  function showTime() {
    var now = new Date(Date.now() + offsetMs);
    $("clock-date").textContent = fmtDate.format(now);
    $("clock-time").textContent = fmtTime.format(now);
    return now.getTime();
  }

  function tick() {
    setTimeout(tick, 1000 - (showTime() % 1000) + 20);
  }

  function heard(data) {
    lastWord = Date.now();
    if (typeof data.now !== "number") return;
    var off = data.now * 1000 - Date.now();
    var jump = Math.abs(off - offsetMs) > 500;
    offsetMs = off;
    if (jump && fmtTime) showTime();  // the gateway's time, now rather than at the next tick
  }

  function setStale(on) {
    var v = on ? "true" : "false";
    if (document.body.getAttribute("data-stale") !== v) document.body.setAttribute("data-stale", v);
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function callKey(c) { return c ? c.ticket + "@" + c.window + "@" + c.at : null; }

  // Most updates change a waiting count or two: text is written only where it differs, so the
  // browser lays out and paints only that (a TV's browser re-rendering the whole screen
  // several times a second falls behind the calls).
  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  function renderCurrent(c) {
    var box = $("current-call");
    if (box.classList.contains("empty") !== !c) box.classList.toggle("empty", !c);
    setText($("current-number"), c ? c.number : "---");
    setText($("current-window"), c ? c.window_label : "");
    setText($("current-name"), c ? c.window_name : "");
    var hide = !(c && c.recall > 0);
    if ($("current-recall").hidden !== hide) $("current-recall").hidden = hide;
  }

  var recentKey = null;
  function renderRecent(list) {
    var k = JSON.stringify(list.map(function (c) { return [c.ticket, c.number, c.window_label, c.window_name, c.time, c.recall]; }));
    if (k === recentKey) return;  // the same calls: leave the table as it is
    recentKey = k;
    var rows = list.map(function (c) {
      var tr = el("tr", "recent-call" + (c.recall > 0 ? " recall" : ""));
      tr.setAttribute("data-ticket", c.ticket);
      tr.appendChild(el("td", "number", c.number));
      // "19号 户政出入境", as the window's own sign reads (the column says 窗口): the service's
      // name whole, on a second line if it must, never cut.
      var w = el("td", "window");
      w.appendChild(el("span", "label", c.window + "号"));
      w.appendChild(el("span", "name", c.window_name));
      tr.appendChild(w);
      tr.appendChild(el("td", "time", c.time));
      return tr;
    });
    $("recent-list").replaceChildren.apply($("recent-list"), rows);
  }

  function renderWaiting(list) {
    var box = $("waiting-list");
    var keys = list.map(function (s) { return s.service + ":" + s.name; }).join("|");
    if (keys !== waitingKeys) {  // the hall's services change only with the hall file
      waitingKeys = keys;
      box.replaceChildren.apply(box, list.map(function (s) {
        var d = el("div", "waiting");
        d.setAttribute("data-service", s.service);
        var n = el("span", "name");
        n.appendChild(el("span", "prefix", s.prefix));
        n.appendChild(document.createTextNode(s.name));
        d.appendChild(n);
        d.appendChild(el("span", "count", "0"));
        return d;
      }));
    }
    list.forEach(function (s, i) {
      setText(box.children[i].querySelector(".count"), String(s.waiting));
    });
  }

  function renderBand(b, rules, notices) {
    setText($("served"), String(b.served));
    setText($("avg-wait"), b.avg_wait_min === null ? "—" : String(b.avg_wait_min));
    setText($("satisfaction"), b.satisfaction_pct === null ? "—" : b.satisfaction_pct + "%");
    setText($("rated"), String(b.rated));
    setText($("windows-open"), String(b.windows_open));
    setText($("windows-total"), String(b.windows_total));
    var text = JSON.stringify([rules, notices]);
    if (text === bandText) return;  // unchanged lines: leave the scroll where it is
    bandText = text;
    var box = $("band-lines");
    box.replaceChildren.apply(box, rules.map(function (r) { return el("span", "line rule", r); })
      .concat(notices.map(function (n) { return el("span", "line notice", n); })));
    // About 6 characters a second, whatever the length.
    var chars = $("band-track").textContent.length;
    $("band-track").style.animationDuration = Math.max(30, Math.round(chars / 6)) + "s";
  }

  function flash() {
    var box = $("current-call");
    box.classList.remove("flash");
    void box.offsetWidth;  // restart the animation
    box.classList.add("flash");
  }

  // A short two-tone chime, only for a new first call (recall 0), at most once per 3 s, and
  // only when the push came at once (within 1.5 s of the call): then it plays before the
  // hall's broadcast, which first has to make its WAV and open the amplifier. A late push
  // (reconnect, a slow link) is skipped, so the chime never lands on the spoken call.
  // The kiosk browser needs --autoplay-policy=no-user-gesture-required for Web Audio.
  function chime(c, serverNow) {
    if (!chimeOn || c.recall !== 0 || serverNow - c.at > CHIME_MAX_AGE_S) return;
    if (Date.now() - lastChime < CHIME_GAP_MS) return;
    lastChime = Date.now();
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var t = audio.currentTime;
      [880, 660].forEach(function (f, i) {
        var o = audio.createOscillator(), g = audio.createGain();
        o.frequency.value = f;
        g.gain.setValueAtTime(0.0001, t + i * 0.18);
        g.gain.exponentialRampToValueAtTime(0.3, t + i * 0.18 + 0.02);
        g.gain.exponentialRampToValueAtTime(0.0001, t + i * 0.18 + 0.17);
        o.connect(g); g.connect(audio.destination);
        o.start(t + i * 0.18); o.stop(t + i * 0.18 + 0.18);
      });
    } catch (e) { /* no audio device: the screen still shows the call */ }
  }

  function render(d, isUpdate) {
    if (d.hall.timezone !== tz) { tz = d.hall.timezone; formatters(); showTime(); }
    if ($("hall-name").textContent !== d.hall.name) { $("hall-name").textContent = d.hall.name; document.title = d.hall.name + " 叫号显示屏"; }
    chimeOn = !!d.chime;
    var k = callKey(d.current);
    if (isUpdate && d.current && k !== shownCall) { flash(); chime(d.current, d.now); }
    shownCall = k;
    renderCurrent(d.current);
    renderRecent(d.recent);
    renderWaiting(d.waiting);
    renderBand(d.band, d.rules, d.notices);
    lastSeq = d.seq;
    window.screenSeq = d.seq;
  }

  function onMessage(isUpdate) {
    return function (ev) {
      var d = JSON.parse(ev.data);
      heard(d);
      render(d, isUpdate);
      setStale(false);
    };
  }

  function dial() {
    if (redial) { clearTimeout(redial); redial = null; }
    if (es) { es.close(); }
    dialedAt = Date.now();
    var url = "/api/v1/stream/screen?key=" + encodeURIComponent(key) + (lastSeq !== null ? "&last=" + lastSeq : "");
    es = new EventSource(url);
    es.addEventListener("snapshot", onMessage(false));
    es.addEventListener("update", onMessage(true));
    es.addEventListener("heartbeat", function (ev) { heard(JSON.parse(ev.data)); setStale(false); });
    es.onerror = function () {
      setStale(true);
      // CONNECTING: EventSource dials again itself. CLOSED (an HTTP error, e.g. while the
      // gateway restarts behind a proxy, or a wrong key): it never will, so we do.
      if (es.readyState === 2 && !redial) redial = setTimeout(dial, REDIAL_MS);
    };
  }

  setInterval(function () {
    var quiet = Date.now() - Math.max(lastWord, dialedAt);
    if (Date.now() - lastWord > STALE_MS) setStale(true);
    if (quiet > FORCE_MS) dial();  // a half-open link (no FIN ever came): start afresh
  }, 1000);

  formatters();
  tick();
  dial();
})();
