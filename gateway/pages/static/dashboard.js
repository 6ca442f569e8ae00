// The supervisor's dashboard: the live picture pushed by Server-Sent Events (never polled), and
// the report of the chosen period fetched when the filters change or the stream says the
// reporting store moved. Every figure is text in the DOM (the charts are inline SVG).
(function () {
  "use strict";
  var STALE_MS = 6000, REDIAL_MS = 2000, REPORT_DEBOUNCE_MS = 3000;
  var $ = function (s) { return document.querySelector(s); };
  var live = null, lastMsg = 0, es = null, redial = null;
  var reportSeq = -1, reportTimer = null, reportBusy = false, reportAgain = false, optionsFilled = false;
  window.dashboardBootId = Math.random().toString(36).slice(2);

  function esc(s) { return String(s == null ? "" : s).replace(/[&<>"]/g, function (c) {
    return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]; }); }
  function min(s) { return s == null ? "—" : (s / 60).toFixed(1); }
  function pct(r) { return r == null ? "—" : (100 * r).toFixed(1) + "%"; }
  function hm(epoch) {
    if (epoch == null) return "—";
    var tz = live && live.hall.timezone || "Asia/Shanghai";
    return new Date(epoch * 1000).toLocaleTimeString("zh-CN", {timeZone: tz, hour12: false, hour: "2-digit", minute: "2-digit"});
  }
  function setText(sel, v) { var el = $(sel); if (el.textContent !== String(v)) el.textContent = v; }
  function stale(v) { document.body.setAttribute("data-stale", v ? "true" : "false"); }
  function minutes(s) { return Math.floor(s / 60) + "分钟"; }
  function hasHan(s) { return /[\u4e00-\u9fff]/.test(s || ""); }
  // The follow-up panel (dashboard-followups.js) shares these.
  window.dash = {$: $, esc: esc, setText: setText, hasHan: hasHan};

  function filters() {
    return {period: $("#f-period").value, date: $("#f-date").value, window: $("#f-window").value,
            service: $("#f-service").value, staff: $("#f-staff").value};
  }
  function query(f) {
    var q = ["period=" + encodeURIComponent(f.period)];
    ["date", "window", "service", "staff"].forEach(function (k) { if (f[k]) q.push(k + "=" + encodeURIComponent(f[k])); });
    return q.join("&");
  }
  function wanted(w, f) {
    if (f.window && String(w.window) !== f.window) return false;
    if (f.service && w.services.indexOf(f.service) < 0) return false;
    if (f.staff && w.staff !== f.staff) return false;
    return true;
  }

  // -- the live picture ------------------------------------------------------------------
  function fillOptions(d) {
    if (optionsFilled) return;
    optionsFilled = true;
    var add = function (sel, v, t) { var o = document.createElement("option"); o.value = v; o.textContent = t; $(sel).appendChild(o); };
    d.windows.forEach(function (w) { add("#f-window", w.window, w.name); });
    d.queues.forEach(function (q) { add("#f-service", q.service, q.name); });
    var seen = {};  // a name two members share is told apart by their staff number
    d.people.forEach(function (p) { seen[p.name] = (seen[p.name] || 0) + 1; });
    d.people.forEach(function (p) { add("#f-staff", p.staff, seen[p.name] > 1 ? p.name + "（" + p.staff + "）" : p.name); });
  }

  function render(d) {
    live = d;
    fillOptions(d);
    // The hall's service day, once it has one (a gateway started before the day's first
    // command has none yet): every later picture may fill it.
    if (!$("#f-date").value && d.today.day) $("#f-date").value = d.today.day;
    var f = filters(), t = d.today;
    setText("#hall-name", d.hall.name);
    setText("#clock", (t.day || "") + " " + hm(d.now));
    setText("#t-issued", t.issued); setText("#t-served", t.served); setText("#t-waiting", t.waiting);
    setText("#t-wait", min(t.avg_wait_s)); setText("#t-satisfaction", pct(t.satisfaction_rate));
    setText("#t-open", t.windows_open + "/" + t.windows_total);
    var alerted = {}, alerts = d.alerts.slice();
    if (d.printer && d.printer.alert) {  // the kiosk printer's alert is kept by the kiosk, not the engine
      alerts.push({key: "printer", kind: "printer", since: d.printer.alert.since, text: d.printer.alert.text});
    }
    if (d.storage && d.storage.alert) {  // the disk's, kept by the gateway beside the engine (it may be full)
      alerts.unshift({key: "storage", kind: "storage", since: d.storage.alert.since, text: d.storage.alert.text});
    }
    alerts.forEach(function (a) { if (a.window != null) alerted[a.window] = true; });
    $("#windows").innerHTML = d.windows.filter(function (w) { return wanted(w, f); }).map(function (w) {
      // Three lines that each fit on one line (the tile is as wide as its longest name needs):
      // the window; its state, ticket or pause reason and for how long; its clerk and the day.
      var what = w.number && w.status !== "paused" ? " <b>" + esc(w.number) + "</b>" : "";
      if (w.status === "paused" && w.paused_reason) what += " " + esc(w.paused_reason);
      if (w.for_s != null && w.status !== "closed") what += " · " + minutes(w.for_s);
      var who = w.staff_name ? esc(w.staff_name) + (w.post ? " " + esc(w.post) + "岗" : "") + " · " : "";
      who += w.status === "paused" && w.until ? "预计" + esc(w.until) + "恢复" : "今日 " + w.cases + " 件";
      var title = [w.name, w.status_cn, w.number, w.paused_reason, w.until && "预计" + w.until + "恢复",
                   w.staff_name, "今日 " + w.cases + " 件"].filter(Boolean).join(" · ");
      return '<div class="win' + (alerted[w.window] ? " alerted" : "") + '" data-window="' + w.window +
        '" data-status="' + w.status + '" title="' + esc(title) + '"><div class="num">' + esc(w.name) +
        '</div><div class="what"><span class="st">' + esc(w.status_cn) + "</span>" + what +
        '</div><div class="who">' + who + "</div></div>";
    }).join("");
    setText("#alert-count", alerts.length);
    $("#alerts").innerHTML = alerts.length ? alerts.map(function (a) {
      return '<li class="alert" data-key="' + esc(a.key) + '" data-kind="' + esc(a.kind) + '">' + hm(a.since) + " " + esc(a.text) + "</li>";
    }).join("") : '<li class="none">无告警</li>';
    if (window.dashFollowups) window.dashFollowups(d);
    $("#queues tbody").innerHTML = d.queues.filter(function (q) { return !f.service || q.service === f.service; }).map(function (q) {
      return '<tr data-service="' + esc(q.service) + '"><td>' + esc(q.name) + '</td><td class="count">' + q.waiting +
        "</td><td>" + (q.longest_wait_s == null ? "—" : min(q.longest_wait_s) + " 分") + "</td></tr>";
    }).join("");
    renderDevices(d.devices); renderPrinter(d.printer); renderUpstream(d.upstream); renderClock(d.clock, d.now);
    renderStorage(d.storage);
    var r = d.reports || {};
    setText("#report-state", r.error ? "报表库出错，详见网关日志" : (r.ready ? "" : "报表库正在从操作日志重建…"));
    $("#report-state").title = r.error || "";
    if (r.ready && r.seq !== reportSeq) {
      var first = reportSeq < 0;
      reportSeq = r.seq;
      if (first || coversToday()) scheduleReport(first ? 0 : REPORT_DEBOUNCE_MS);
    }
  }

  // A device whose radio sleeps between the access point's beacons (Wi-Fi power save): every
  // message to it waits for the next one. Mains-powered devices run awake; only a battery one may sleep.
  var POWER_SAVE = "省电模式：消息最多延迟约300毫秒";
  function dozing(x) { return x.pm != null && x.pm !== "none"; }
  function renderDevices(dv) {
    if (!dv) { setText("#dev-summary", "（本网关未接设备）"); $("#devices").innerHTML = ""; return; }
    var asleep = dv.items.filter(dozing).length;
    setText("#dev-summary", "在线 " + dv.online + "/" + dv.total + (asleep ? " · " + asleep + "台省电模式" : "") +
      (dv.connected ? "" : " · 网关未连上消息服务器"));
    var items = dv.items.slice().sort(function (a, b) {
      // A flooding device first, then those offline: what needs a look comes first.
      return (b.dropped > 0) - (a.dropped > 0) || a.online - b.online || dozing(b) - dozing(a) || a.window - b.window;
    });
    var role = {callpad: "呼叫器", evaluator: "评价器", display: "窗口屏"};
    $("#devices").innerHTML = items.map(function (x) {
      // The device by its window and role (its number in the title); its health as it reported
      // it. Each part stays whole: a narrow column puts the health on a line of its own.
      var main = x.window + "号窗口 " + (role[x.role] || "设备") + " · " + (x.online ? "在线" : "离线") +
        (x.dropped > 0 ? " · 消息过多，已丢弃 " + x.dropped + " 条" : "");
      // The firmware's version is a maintainer's code: in the title with the device's number.
      var more = x.last_seen == null ? "从未连接" : ["最近通信 " + hm(x.last_seen),
        x.heap != null && "内存余量 " + Math.round(x.heap / 1024) + "KB", x.rssi != null && "信号 " + x.rssi + "dBm"]
        .filter(Boolean).join(" · ");
      var warn = dozing(x) ? ' <span class="whole warn" data-pm="' + esc(x.pm) + '">' + POWER_SAVE + "</span>" : "";
      return '<li class="' + (x.dropped > 0 ? "alert" : x.online ? "" : "offline") + '" data-device="' + esc(x.id) + '" title="设备编号 ' +
        esc(x.id) + (x.firmware ? "，固件版本 " + esc(x.firmware) : "") + '"><span class="whole">' + esc(main) +
        '</span> <span class="whole more">' + esc(more) + "</span>" + warn + "</li>";
    }).join("");
  }
  function renderPrinter(p) {
    var el = $("#printer");
    if (!p) { el.textContent = "（本网关未接叫号机）"; el.className = ""; return; }
    el.textContent = p.state_name + (p.since ? "（自 " + hm(p.since) + "）" : "") + (p.alert ? " · " + p.alert.text : "");
    el.className = p.alert ? "alert" : "";
    el.setAttribute("data-state", p.state);
  }
  function renderStorage(st) {
    var el = $("#storage");
    if (!st) { el.textContent = "—"; return; }
    el.textContent = st.state === "ok" ? "剩余 " + st.free + "（告警线 " + st.warn + "）" : st.text;
    el.className = st.state === "ok" ? "" : "alert";
    el.setAttribute("data-state", st.state);
  }
  function renderUpstream(u) {
    var el = $("#upstream");
    var x = u && !u.error && u.enabled && u.destinations[0] || null, m = x && x.level_map;
    if (window.dashUpstream) window.dashUpstream(m, live);  // the level map's own lines
    if (!u) { el.textContent = "—"; return; }
    if (u.error) { el.textContent = "读取上报状态失败，详见网关日志"; el.title = u.error; return; }
    if (!u.enabled) { el.textContent = "未启用（评价记录保存在本地日志中）"; el.setAttribute("data-state", "off"); return; }
    x = x || {};
    // Held for the level map: its own lines say why, in Chinese (the hold's reason is English).
    var held = x.held && m && m.state !== "right" && m.state !== "unclear" && m.state !== "confirmed";
    el.textContent = "待上报 " + x.pending + " · 已上报 " + x.delivered + " · 退回 " + x.dead_letter +
      (x.last_delivered_at ? " · 最近上报 " + x.last_delivered_at.slice(11, 16) : "") +
      (held ? " · 暂停上报" : x.last_error ? " · 上报出错" + (hasHan(x.last_error) && !x.held ? "：" + x.last_error :
                                                    "，详见网关日志") : "");
    el.title = x.last_error || "";
    el.className = x.last_error || x.dead_letter ? "alert" : "";
    el.setAttribute("data-state", x.held ? "held" : x.last_error ? "error" : "ok");
  }

  // -- the hall clock: a banner while it is not synchronized, and the supervisor's one step ------
  var hallAt = null;  // [the hall clock's time, this browser's Date.now() when it came]
  function ymdhms(ms) {
    var tz = live && live.hall.timezone || "Asia/Shanghai";
    var p = {}; new Intl.DateTimeFormat("zh-CN", {timeZone: tz, hour12: false, year: "numeric", month: "numeric",
      day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit"}).formatToParts(new Date(ms))
      .forEach(function (x) { p[x.type] = x.value; });
    return p.year + "年" + p.month + "月" + p.day + "日 " + p.hour + ":" + p.minute + ":" + p.second;
  }
  function span(s) {
    var a = Math.round(Math.abs(s)), d = Math.floor(a / 86400), h = Math.floor(a % 86400 / 3600), m = Math.floor(a % 3600 / 60);
    var t = (d ? d + "天" : "") + (h ? h + "小时" : "") + (m ? m + "分" : "");
    return (s < 0 ? "-" : "+") + (t || (a % 60) + "秒");
  }
  function renderClock(c, now) {
    var el = $("#clock-banner");
    if (now != null) hallAt = [now * 1000, Date.now()];
    if (!c || c.level === "ok" || c.level === "unknown") { el.hidden = true; return; }
    el.hidden = false;
    el.setAttribute("data-level", c.level);
    setText("#clock-title", c.title);
    setText("#clock-text", c.text);
    $("#clock-set").hidden = !c.can_set;
  }
  function hallNow() { return hallAt ? hallAt[0] + (Date.now() - hallAt[1]) : null; }
  $("#clock-set").addEventListener("click", function () {
    var b = Date.now(), h = hallNow();
    setText("#clock-browser", ymdhms(b));
    setText("#clock-hall", h == null ? "—" : ymdhms(h));
    setText("#clock-diff", h == null ? "—" : span((b - h) / 1000));
    setText("#clock-msg", "");
    $("#clock-confirm").hidden = false;
  });
  $("#clock-cancel").addEventListener("click", function () { $("#clock-confirm").hidden = true; });
  $("#clock-ok").addEventListener("click", function () {
    if (Date.now() < Date.UTC(2024, 0, 1)) { setText("#clock-msg", "本机时间不对（早于2024年），不能用来校准大厅时钟"); return; }
    var btn = $("#clock-ok"); btn.disabled = true;
    fetch("/api/v1/dashboard/clock", {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json"}, body: JSON.stringify({browser_ms: Date.now()})})
      .then(function (r) { return r.json().then(function (body) {
        if (!r.ok) throw new Error(typeof body.detail === "string" && hasHan(body.detail) ? body.detail : "校准失败（" + r.status + "）");
        return body; }); })
      .then(function (body) { $("#clock-confirm").hidden = true; setText("#clock-msg", body.message); })
      .catch(function (e) { setText("#clock-msg", e.message); })
      .then(function () { btn.disabled = false; });
  });
  // The heartbeat carries the hall clock's time too: the confirmation's difference stays true.
  function onBeat(e) { try { var b = JSON.parse(e.data); if (b.now != null) hallAt = [b.now * 1000, Date.now()]; } catch (x) { /* an old beat */ } }

  // -- the report --------------------------------------------------------------------------
  function coversToday() {
    var f = filters();
    return !f.date || !live || !live.today.day || f.date.slice(0, 7) === live.today.day.slice(0, 7) || f.period !== "day";
  }
  function scheduleReport(ms) {
    if (reportTimer) return;
    reportTimer = setTimeout(function () { reportTimer = null; loadReport(); }, ms);
  }
  function get(url) {
    return fetch(url, {credentials: "same-origin"}).then(function (r) {
      return r.json().then(function (body) {
        // A reason in Chinese is shown as it is; any other (a bad query, in English) by its kind.
        if (!r.ok) throw new Error(typeof body.detail === "string" && hasHan(body.detail) ? body.detail :
                                   r.status === 503 ? "报表库正在从操作日志重建…" : "读取失败（" + r.status + "）");
        return body;
      });
    });
  }
  function loadReport() {
    if (reportBusy) { reportAgain = true; return; }
    reportBusy = true;
    var f = filters(), q = query(f);
    ["csv", "xlsx", "pdf"].forEach(function (x) { $("#x-" + x).href = "/api/v1/reports/export?format=" + x + "&" + q; });
    var tq = "weeks=12" + (f.date ? "&date=" + f.date : "") + (f.window ? "&window=" + f.window : "") + (f.staff ? "&staff=" + encodeURIComponent(f.staff) : "");
    Promise.all([get("/api/v1/reports/charts?report=1&" + q), get("/api/v1/reports/trend?" + tq)]).then(function (got) {
      renderReport(got[0].report, got[0].charts); renderTrend(got[1]);
      document.body.setAttribute("data-report-seq", got[0].report.seq);
      setText("#report-state", "");
    }).catch(function (e) { setText("#report-state", "报表：" + e.message); }).then(function () {
      reportBusy = false;
      if (reportAgain) { reportAgain = false; loadReport(); }
    });
  }
  function table(sel, head, rows) {
    $(sel).innerHTML = "<thead><tr>" + head.map(function (h) { return "<th>" + esc(h) + "</th>"; }).join("") + "</tr></thead><tbody>" +
      rows.map(function (r) { return "<tr>" + r.map(function (v) { return "<td>" + esc(v) + "</td>"; }).join("") + "</tr>"; }).join("") + "</tbody>";
  }
  function renderReport(rep, charts) {
    setText("#report-label", rep.period.label);
    var t = rep.totals, r = t.ratings;
    var figs = [["取号", t.issued], ["办结", t.served], ["未到", t.no_show], ["平均等候(分)", min(t.wait_s.avg)],
      ["90%分位等候(分)", min(t.wait_s.p90)], ["平均办理(分)", min(t.service_s.avg)], ["评价", r.rated],
      ["满意度", pct(r.satisfaction_rate)], ["参评率", pct(r.participation_rate)], ["差评", r.bad],
      ["告警", rep.alerts.length], ["整改未办结", rep.followups.open], ["整改超期", rep.followups.overdue]];
    $("#r-totals").innerHTML = figs.map(function (x, i) {
      return '<span class="fig" data-fig="' + i + '">' + esc(x[0]) + " <b>" + esc(x[1]) + "</b></span>"; }).join("");
    $("#charts").innerHTML = Object.keys(charts).map(function (k) { return '<div data-chart="' + k + '">' + charts[k] + "</div>"; }).join("");
    table("#r-windows", ["窗口", "名称", "办结", "平均等候(分)", "满意度", "差评", "空闲(时)"], rep.windows.map(function (w) {
      return [w.window, w.name, w.served, min(w.wait_s.avg), pct(w.ratings.satisfaction_rate), w.ratings.bad, (w.idle_s / 3600).toFixed(1)]; }));
    table("#r-staff", ["姓名", "出勤天数", "办结", "评价", "满意度", "差评", "暂停(时)"], rep.staff.map(function (s) {
      return [s.name || s.staff, s.attendance.days_present, s.served, s.ratings.rated, pct(s.ratings.satisfaction_rate),
              s.bad_ratings.length, (s.attendance.paused_s / 3600).toFixed(1)]; }));
    // The report speaks in codes (staff, level, reasons, state); the page says their names.
    var w = live ? live.words : {levels: {}, reasons: {}, followup_status: {}}, names = {};
    (live ? live.people : []).forEach(function (p) { names[p.staff] = p.name; });
    table("#r-bad", ["评价时间", "票号", "窗口", "人员", "等级", "原因", "整改"], rep.ratings_bad.map(function (a) {
      return [(a.rated_at || "").replace("T", " ").slice(0, 16), a.number, a.window + "号窗口", names[a.staff] || a.staff,
              w.levels[a.level] || a.level,
              a.reasons.map(function (c) { return w.reasons[c] || "原因" + c; }).join("、") || "—",
              a.followup ? w.followup_status[a.followup.status] || a.followup.status : "—"]; }));
  }
  function renderTrend(tr) {
    $("#trend-chart").innerHTML = tr.chart || "";
    var head = ["窗口 / 人员"].concat(tr.weeks.map(function (w) { return w.label; }));
    var rows = [["全厅"].concat(tr.hall.satisfaction_rate.map(function (v) { return v == null ? "—" : (100 * v).toFixed(0); }))];
    var rate = function (v) { return v == null ? "—" : (100 * v).toFixed(0); };
    tr.windows.forEach(function (w) { rows.push([w.name || w.window].concat(w.satisfaction_rate.map(rate))); });
    tr.staff.forEach(function (p) { rows.push(["人员 " + (p.name || p.staff)].concat(p.satisfaction_rate.map(rate))); });
    table("#r-trend", head, rows);
  }
  $("#filters").addEventListener("change", function () { if (live) render(live); loadReport(); });

  // -- the stream ----------------------------------------------------------------------------
  function onMessage(e) {
    lastMsg = Date.now(); stale(false);
    if (e.type === "heartbeat") { onBeat(e); return; }
    render(JSON.parse(e.data));
  }
  function dial() {
    redial = null;
    if (es) es.close();
    es = new EventSource("/api/v1/stream/dashboard");
    ["snapshot", "update", "heartbeat"].forEach(function (n) { es.addEventListener(n, onMessage); });
    es.onerror = function () { if (es.readyState === 2 && !redial) redial = setTimeout(dial, REDIAL_MS); };
  }
  // A local clock only: a link silent for longer than three heartbeats is shown as broken.
  setInterval(function () { if (Date.now() - lastMsg > STALE_MS) { stale(true); if (!redial && (!es || es.readyState === 2)) dial(); } }, 1000);
  dial();
})();
