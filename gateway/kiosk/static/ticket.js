// The ticket's phone page (behind the slip's QR code): where the ticket stands, pushed by the
// gateway (Server-Sent Events: a snapshot at every (re)connect, then updates, a heartbeat every
// 2 s), never reloaded or polled; and 补充评价 while it may be given.
(function () {
  "use strict";
  var STALE_MS = 4500;   // two heartbeats missed: say the link is down
  var FORCE_MS = 10000;  // no word at all for this long: drop the link and dial again
  var REDIAL_MS = 2000;
  var tid = decodeURIComponent(location.pathname.split("/").pop());
  var code = (new URLSearchParams(location.search).get("c") || "").trim().toUpperCase();
  var $ = function (id) { return document.getElementById(id); };
  var es = null, redial = null, lastWord = 0, dialedAt = 0, shown = null, formFor = null, sent = false;
  window.phoneBootId = String(Date.now()) + "-" + Math.random().toString(36).slice(2);

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function setText(id, text) { if ($(id).textContent !== text) $(id).textContent = text; }
  function setLink(up, text) { $("link").textContent = text; $("link").className = up ? "link up" : "link"; }
  function stale(on) { document.body.setAttribute("data-stale", on ? "true" : "false"); }

  var DONE = {served: ["已办结", "感谢您的耐心等候"], no_show: ["已过号", "如仍需办理，请重新取号"],
              cancelled: ["已取消", ""], voided: ["此号已作废", "请重新取号"], reset: ["已过当日", "如仍需办理，请重新取号"]};

  function headline(p) {
    if (p.state === "waiting") {
      return ["等候中", p.ahead === 0 ? "下一位就是您，请留意叫号" :
              "前面还有 " + p.ahead + " 人，预计等候约 " + p.wait_minutes + " 分钟"];
    }
    if (p.state === "called") {
      return ["请到 " + p.window + " 号窗口", "正在叫号" + (p.window_name ? "：" + p.window + "号窗口 " + p.window_name : "") +
              (p.recalls ? "（第 " + p.recalls + " 次重呼）" : "")];
    }
    if (p.state === "serving") return ["正在 " + p.window + " 号窗口办理", p.window_name || ""];
    return DONE[p.outcome] || ["已结束", ""];
  }

  function facts(p) {
    var rows = [];
    if (p.issued) rows.push(["取号时间", p.issued]);
    if (p.state === "waiting") {
      rows.push(["前面还有", p.ahead + " 人"]);
      rows.push(["预计等候", "约 " + p.wait_minutes + " 分钟"]);
    }
    if (p.window) rows.push(["办理窗口", p.window + "号窗口" + (p.window_name ? " " + p.window_name : "")]);
    if (p.called) rows.push(["叫号时间", p.called]);
    if (p.state === "done" && p.outcome === "served" && p.finished) rows.push(["办结时间", p.finished]);
    var dl = $("facts");
    dl.replaceChildren.apply(dl, rows.reduce(function (all, r) { return all.concat([el("dt", r[0]), el("dd", r[1])]); }, []));
    dl.hidden = rows.length === 0;
  }

  function render(p) {
    var was = shown;
    shown = p;
    document.body.setAttribute("data-state", p.state);
    setText("hall", p.hall + " 办事进度");
    setText("number", p.number);
    setText("service", [p.service_name, p.matter_name].filter(Boolean).join(" · "));
    var h = headline(p);
    setText("headline", h[0]);
    setText("detail", h[1]);
    document.title = (p.state === "called" ? h[0] + " · " : "") + p.number + " 办事进度";
    if (p.state === "called" && was && (was.state !== "called" || was.recalls !== p.recalls) && navigator.vibrate) {
      navigator.vibrate([400, 200, 400]);  // called while the phone is in a pocket
    }
    facts(p);
    renderRating(p.rating);
  }

  function renderRating(r) {
    $("rating").hidden = !r;
    if (!r) return;
    var text = $("rating-text");
    text.textContent = r.text;
    text.className = "rating-text" + (r.state === "rated" ? " done" : "");
    $("rate").hidden = r.state !== "offered";
    if (r.state === "offered") buildForm(r);
  }

  // Built once for the reasons in force, so a push while the citizen chooses keeps the choice.
  function buildForm(r) {
    var key = JSON.stringify([r.levels, r.reasons]);
    if (formFor === key) return;
    formFor = key;
    var box = $("levels");
    box.replaceChildren(box.querySelector("legend") || el("legend", "满意程度（单选）"));
    r.levels.forEach(function (lv) {
      var label = el("label"), input = el("input");
      input.type = "radio"; input.name = "level"; input.value = lv.level;
      label.appendChild(input); label.appendChild(el("span", lv.name));
      box.appendChild(label);
    });
    $("reason-list").replaceChildren.apply($("reason-list"), r.reasons.map(function (x) {
      var label = el("label"), input = el("input");
      input.type = "checkbox"; input.name = "reason"; input.value = x.code;
      label.appendChild(input); label.appendChild(el("span", x.text));
      return label;
    }));
    $("rate").setAttribute("data-bad-max", r.bad_max);
    chosen();
  }

  function level() {
    var got = document.querySelector("#levels input:checked");
    return got ? Number(got.value) : null;
  }

  function chosen() {
    var lv = level(), bad = Number($("rate").getAttribute("data-bad-max") || 2);
    $("reasons").hidden = lv === null || lv > bad || !$("reason-list").children.length;
    $("send").disabled = lv === null || sent;
    $("send-hint").hidden = lv !== null;
  }

  $("rate").addEventListener("change", chosen);
  $("rate").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var lv = level();
    if (lv === null || sent) return;
    var bad = Number($("rate").getAttribute("data-bad-max") || 2);
    var reasons = lv <= bad ? Array.prototype.map.call(document.querySelectorAll("#reason-list input:checked"),
                                                         function (x) { return x.value; }) : [];
    sent = true;
    chosen();
    $("msg").textContent = "正在提交……";
    fetch("/api/v1/ratings/supplementary", {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({code: code, level: lv, reasons: reasons})}).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (r.ok) {
          $("msg").textContent = "";
          var name = document.querySelector("#levels input:checked + span").textContent;
          renderRating({state: "rated", text: "您已补充评价：" + name + "。感谢您的评价！"});
          return;
        }
        sent = false;
        chosen();
        $("msg").textContent = typeof body.detail === "string" ? body.detail : "暂时不能提交，请稍后再试";
      });
    }).catch(function () {
      sent = false;
      chosen();
      $("msg").textContent = "网络中断，评价未提交，请稍后再试";
    });
  });

  function heard() { lastWord = Date.now(); stale(false); setLink(true, "实时更新"); }

  function onPicture(ev) {
    heard();
    render(JSON.parse(ev.data));
  }

  function notFound() {
    if (es) { es.close(); es = null; }
    setText("headline", "查不到这张号票");
    setText("detail", "号码有误，或已过当日且不能再补充评价");
    setLink(false, "未找到");
    stale(false);
  }

  function dial() {
    if (redial) { clearTimeout(redial); redial = null; }
    if (es) es.close();
    dialedAt = Date.now();
    es = new EventSource("/api/v1/stream/ticket/" + encodeURIComponent(tid) + (code ? "?c=" + encodeURIComponent(code) : ""));
    es.addEventListener("snapshot", onPicture);
    es.addEventListener("update", onPicture);
    es.addEventListener("heartbeat", heard);
    es.onerror = function () {
      stale(true);
      setLink(false, "连接中断，正在重连…");
      // CLOSED: refused (no such ticket: 404) or the gateway answered with an error; a dropped
      // link is CONNECTING and EventSource dials again by itself.
      if (es.readyState !== 2 || redial) return;
      fetch("/api/v1/kiosk/progress/" + encodeURIComponent(tid) + (code ? "?c=" + encodeURIComponent(code) : ""))
        .then(function (r) { if (r.status === 404) notFound(); else redial = setTimeout(dial, REDIAL_MS); })
        .catch(function () { redial = setTimeout(dial, REDIAL_MS); });
    };
  }

  // Not a reload and not a poll: a watchdog on the push link, as the hall screen has.
  setInterval(function () {
    if (!es) return;
    if (Date.now() - lastWord > STALE_MS) { stale(true); setLink(false, "连接中断，正在重连…"); }
    if (Date.now() - Math.max(lastWord, dialedAt) > FORCE_MS) dial();  // a half-open link: start afresh
  }, 1000);
  dial();
})();
