// The clerk console: every action goes to the gateway, which acts for this session's
// window only; the window's state comes back pushed (server-sent events), never polled.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const firstUse = $("token-hint").textContent;  // the hint for a browser never enrolled
  let events = null, lastSeq = -1, busy = false, state = null, choices = null;

  function say(text, kind) {
    const m = $("message");
    m.textContent = text || "";
    m.className = kind || "";
  }

  function option(select, value, text) {
    const o = document.createElement("option");
    o.value = value;
    o.textContent = text;
    select.appendChild(o);
  }

  async function post(path, body, headers) {
    const r = await fetch(path, {method: "POST", credentials: "same-origin",
      headers: Object.assign({"Content-Type": "application/json"}, headers || {}), body: JSON.stringify(body)});
    let data = {};
    try { data = await r.json(); } catch (e) { /* an empty or non-JSON answer: the status says enough */ }
    return {status: r.status, data: data};
  }

  // The gateway answers a page in Chinese (detail; the engine's English is in reason, for the
  // log). A request of the wrong shape gets the form checker's list, in English: not shown.
  function detail(data, status) {
    const d = data && data.detail;
    if (typeof d === "string") return d;
    if (Array.isArray(d) && d.length) return "输入有误，请检查后再试";
    return status >= 500 ? "网关暂时不能处理，请稍后再试" : "操作未完成，请看状态后再试";
  }

  // A row's value as parts that each stay on one line (the row wraps between them).
  function parts(id, texts, cls) {
    const box = $(id);
    box.replaceChildren(...texts.filter((t) => t).map((t, i) => {
      const sp = document.createElement("span");
      sp.textContent = t;
      if (cls && cls[i]) sp.className = cls[i];
      return sp;
    }));
  }

  function showLogin(hall, message) {
    if (events) { events.close(); events = null; }
    state = null; lastSeq = -1;
    $("console-view").hidden = true;
    $("login-view").hidden = false;
    $("win-title").textContent = "";
    $("staff-name").textContent = "";
    setLink(false, "未登录");
    if (hall) {
      $("hall").textContent = hall.hall;
      const sel = $("login-window");
      const keep = sel.value;
      sel.textContent = "";
      hall.windows.forEach((w) => option(sel, w.number, w.display_text));
      if (keep) sel.value = keep;
      $("token-row").hidden = $("token-hint").hidden = hall.enrolled;
      $("token-hint").textContent = hall.enrol_problem || firstUse;  // expired, or no longer valid: why
    }
    if (message !== undefined) say(message, "refused");
  }

  function setLink(up, text) {
    $("link").textContent = text;
    $("link").className = up ? "link up" : "link";
  }

  function fillChoices(c) {
    choices = c;
    const fin = $("finish-buttons");
    fin.textContent = "";
    c.case_types.forEach((t) => {
      const b = document.createElement("button");
      b.textContent = t.name;
      b.dataset.action = "finish";
      b.dataset.caseType = t.code;
      b.className = t.code === "immediate" ? "primary" : "";
      fin.appendChild(b);
    });
    const pr = $("pause-reason-select");
    pr.textContent = "";
    c.pause_reasons.forEach((r) => option(pr, r, r));
    // The return time as the hall writes it (a time input would show the browser's own
    // "10:30 AM"): every quarter of an hour of a working day, or none.
    const until = $("pause-until-input");
    if (!until.options.length) {
      option(until, "", "不填");
      for (let m = 7 * 60; m <= 21 * 60; m += 15) {
        const t = String(Math.floor(m / 60)).padStart(2, "0") + ":" + String(m % 60).padStart(2, "0");
        option(until, t, t);
      }
    }
    fillTargets();
    wire();
  }

  function fillTargets() {
    if (!choices) return;
    const sel = $("transfer-target"), kind = $("transfer-kind").value;
    sel.textContent = "";
    if (kind === "to_service") choices.services.forEach((s) => option(sel, s.code, s.name));
    if (kind === "to_window") choices.windows.forEach((w) => option(sel, w.number, w.display_text));
    if (kind === "to_staff") choices.staff.forEach((s) => option(sel, s.id, s.name));
  }

  function render(s) {
    // An answer may come after a newer pushed picture: keep the newer one, but still redraw
    // (the keys' enabled state follows `busy` too).
    if (!s || (s.seq !== undefined && s.seq < lastSeq)) s = state;
    if (!s) return;
    if (s.seq !== undefined) lastSeq = s.seq;
    state = s;
    $("win-title").textContent = s.display_text;
    $("staff-name").textContent = s.name ? s.name + (s.post ? "（" + s.post + "岗）" : "") : "";
    $("status").textContent = s.status_name;
    $("clock-note").textContent = s.clock_note || "";
    $("clock-note").hidden = !s.clock_note;
    $("status").className = "status " + s.status;
    $("ticket").textContent = s.ticket || "—";
    $("recalls").textContent = s.ticket ? s.recalls + " / " + s.recall_limit : "0";
    $("waiting").textContent = String(s.waiting);
    $("cases").textContent = String(s.cases_today);
    $("pause-row").hidden = s.status !== "paused";
    $("pause-reason").textContent = s.paused_reason || "";
    $("pause-until").textContent = s.until ? s.until + " 返回" : "";
    const ev = s.evaluation;
    parts("evaluation", [ev.state_name, ev.number, ev.level_name, ev.channel_name && "（" + ev.channel_name + "）"],
          [ev.state === "rated" ? "rated" : "", "", ev.state === "rated" ? "rated" : "", ""]);
    const c = s.case;
    const matter = c && c.matters.find((m) => m.code === c.matter);
    parts("case-info", c ? [c.number + "：", c.project_no || "未关联", matter && "（" + matter.name + "）"] : ["—"]);
    const ms = $("matter-select"), keep = ms.value;
    ms.textContent = "";
    option(ms, "", "事项（不变）");
    if (c) c.matters.forEach((m) => option(ms, m.code, m.name));
    ms.value = keep && c && c.matters.some((m) => m.code === keep) ? keep : "";
    document.querySelectorAll("[data-action]").forEach((b) => {
      b.disabled = busy || !s.enabled[b.dataset.action];
    });
    $("logout-btn").disabled = busy || !s.enabled.logout;
    if (!s.logged_in) hallInfo().then((h) => showLogin(h, "本窗口已退出登录"));
  }

  function fields(action, button) {
    if (action === "call_ticket") return {number: $("call-number").value.trim().toUpperCase()};
    if (action === "finish") return {case_type: button.dataset.caseType};
    if (action === "pause") {
      const f = {reason: $("pause-reason-select").value};
      if ($("pause-until-input").value) f.until = $("pause-until-input").value;
      return f;
    }
    if (action === "transfer") {
      const kind = $("transfer-kind").value, v = $("transfer-target").value, f = {};
      f[kind] = kind === "to_window" ? Number(v) : v;
      return f;
    }
    if (action === "attach_case") {
      const f = {project_no: $("project-no").value.trim()};
      if ($("matter-select").value) f.matter = $("matter-select").value;
      return f;
    }
    return {};
  }

  // An action's answer not here within ACT_TIMEOUT_MS is asked for again with the same key:
  // the gateway applies it once and answers as the first time (one call, never two).
  const ACT_TIMEOUT_MS = 8000, ACT_TRIES = 3;

  async function act(path, body) {
    busy = true;
    render(state);
    try {
      const r = await once.post(path, body, {timeoutMs: ACT_TIMEOUT_MS, tries: ACT_TRIES,
                                             retrying: () => say("网络较慢，正在重试……", "")});
      r.data = r.data || {};
      if (r.status === 200) {
        say(r.data.message, "done");
        if (path.endsWith("/logout")) { showLogin(await hallInfo()); say(r.data.message, "done"); return; }
        if (body.action === "attach_case") $("project-no").value = "";
      } else if (r.status === 401) {
        showLogin(await hallInfo(), detail(r.data, r.status));
        return;
      } else {
        say(detail(r.data, r.status), "refused");
      }
      busy = false;
      render(r.data.state || state);
    } catch (e) {
      say("网络中断，操作未确认，请看状态后再试", "refused");
    } finally {
      if (busy) { busy = false; render(state); }
    }
  }

  let wired = false;
  function wire() {
    if (wired) return;
    wired = true;
    document.querySelectorAll("#actions").forEach((root) => root.addEventListener("click", (ev) => {
      const b = ev.target.closest("button[data-action]");
      if (!b || b.disabled) return;
      const action = b.dataset.action;
      act("/clerk/api/action", Object.assign({action: action}, fields(action, b)));
    }));
    $("logout-btn").addEventListener("click", () => act("/clerk/api/logout", {}));
    $("transfer-kind").addEventListener("change", fillTargets);
  }

  // The server beats every 2 s: a link silent for longer than STALE_MS is shown as broken
  // and opened again (a half-open connection would otherwise look fine forever).
  const STALE_MS = 6000;
  let heard = 0, watchdog = null;

  function alive() { heard = Date.now(); }

  function watch() {
    if (watchdog) clearInterval(watchdog);
    watchdog = setInterval(() => {
      if (!events) { clearInterval(watchdog); watchdog = null; return; }
      if (Date.now() - heard > STALE_MS) { setLink(false, "连接中断，正在重连…"); alive(); listen(); }
    }, 1000);
  }

  function listen() {
    if (events) events.close();
    events = new EventSource("/clerk/api/events");
    alive();
    watch();
    events.addEventListener("open", () => { alive(); setLink(true, "已连接"); });
    events.addEventListener("beat", alive);
    events.addEventListener("state", (ev) => {
      alive();
      setLink(true, "已连接");
      const s = JSON.parse(ev.data);
      s.seq = Number(ev.lastEventId);
      render(s);
    });
    events.addEventListener("ended", async () => { showLogin(await hallInfo(), "会话已结束，请重新登录"); });
    events.addEventListener("error", async () => {
      if (events && events.readyState === EventSource.CLOSED) {
        // Refused outright (401): the session is over.
        const h = await hallInfo();
        if (!h.session) showLogin(h, "会话已结束，请重新登录");
        else listen();
      } else {
        setLink(false, "连接中断，正在重连…");  // the browser reconnects; the first message is the whole state
      }
    });
  }

  function openConsole(answer) {
    $("login-view").hidden = true;
    $("console-view").hidden = false;
    fillChoices(answer.choices);
    render(answer.state);
    listen();
  }

  async function hallInfo() {
    const r = await fetch("/clerk/api/hall", {credentials: "same-origin"});
    return r.json();
  }

  $("login-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const token = $("login-token").value.trim(), headers = {};
    if (token) headers.Authorization = "Bearer " + token;
    $("login-btn").disabled = true;
    try {
      const r = await post("/clerk/api/login",
        {window: Number($("login-window").value), staff_code: $("login-code").value.trim()}, headers);
      $("login-code").value = "";
      if (r.status === 200) {
        $("login-token").value = "";  // kept by nobody: the browser now holds the HttpOnly cookie
        openConsole(r.data);
        say(r.data.message, "done");
      } else {
        say(detail(r.data, r.status), "refused");
      }
    } finally {
      $("login-btn").disabled = false;
    }
  });

  hallInfo().then((h) => {
    if (h.session) { $("hall").textContent = h.hall; openConsole(h.session); } else showLogin(h);
  });
})();
