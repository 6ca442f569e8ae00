// The dashboard's 差评 follow-up panel: each item as the live picture pushes it (never polled),
// and its actions. A supervisor signs in here with their own login code; every action goes to
// the gateway as the engine's follow-up command by that supervisor, and its outcome comes back
// to every open dashboard through the push stream. A card's open form survives the pushes.
(function () {
  "use strict";
  var $ = window.dash.$, esc = window.dash.esc, setText = window.dash.setText, hasHan = window.dash.hasHan;
  var me = null, live = null;
  var RESULTS = [["reached", "已联系上"], ["unreachable", "未联系上"], ["satisfied", "群众满意"], ["unsatisfied", "群众不满意"]];
  var ASKED = {invalid_requested: "无效差评", unfixable_requested: "无法整改"};
  function label(act, x) {
    if (act === "approve") return "批准" + (ASKED[x.status] || "");
    if (act === "reject") return "驳回申请";
    return {start: "开始整改", callback: "记录回访", complete: "整改完成", request_invalid: "申请无效差评",
            request_unfixable: "申请无法整改"}[act];
  }
  // The actions that ask for more than a click: what each form asks for.
  var FORMS = {
    callback: function () {
      // Plain text, not a date widget: its look follows the browser's language, this is the hall's.
      return '<label>回访时间（年-月-日 时:分） <input name="called_at" required size="16" maxlength="16" ' +
        'pattern="\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}" value="' + esc(nowLocal()) + '"></label>' +
        '<label>回访结果 <select name="result" required><option value="">请选择</option>' +
        RESULTS.map(function (r) { return '<option value="' + r[0] + '">' + r[1] + "</option>"; }).join("") +
        '</select></label><label class="grow">备注 <input name="note" maxlength="500"></label>';
    },
    complete: function () { return note("整改情况（做了什么）", true); },
    request_invalid: function () { return note("申请无效差评的理由", true); },
    request_unfixable: function () { return note("无法整改的理由", true); },
    reject: function () { return note("驳回理由（可不填）", false); }
  };
  function note(what, required) {
    return '<label class="wide">' + what + ' <textarea name="note" rows="2" maxlength="500"' + (required ? " required" : "") +
      "></textarea></label>";
  }
  // The gateway's now in the hall's time zone, as 2026-12-09 09:30 ("sv-SE" writes dates so).
  function nowLocal() {
    var tz = live && live.hall.timezone || "Asia/Shanghai";
    return new Date((live ? live.now : Date.now() / 1000) * 1000).toLocaleString("sv-SE", {timeZone: tz}).slice(0, 16);
  }

  function send(url, body) {
    return fetch(url, {method: "POST", credentials: "same-origin", headers: {"Content-Type": "application/json"},
                       body: JSON.stringify(body || {})}).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (b) {
        if (r.ok) return b;
        throw new Error(typeof b.detail === "string" && hasHan(b.detail) ? b.detail :
                        r.status === 422 ? "输入有误，请检查后再试" : r.status === 401 ? "未授权：请重新打开看板或登录" :
                        "操作未执行（" + r.status + "）");
      });
    });
  }

  // -- who acts here -----------------------------------------------------------------------
  function showMe(who) {
    me = who && who.staff ? who : null;
    setText("#fu-who", me ? "当前监管人员：" + me.name : "监管人员：未登录");
    $("#fu-signin").hidden = !!me;
    $("#fu-signout").hidden = !me;
    setText("#fu-hint", (me ? "" : "办理差评整改请先用本人登录码登录；") + "无效差评、无法整改的申请须由另一位监管人员审核。");
    if (live) render(live);
  }
  function deskSay(text, bad) { var el = $("#fu-desk-msg"); el.textContent = text; el.className = bad ? "bad" : "ok"; }
  $("#fu-signin").addEventListener("submit", function (e) {
    e.preventDefault();
    var code = $("#fu-code").value.trim();
    if (!code) { deskSay("请输入本人登录码", true); return; }
    send("/api/v1/dashboard/signin", {code: code}).then(function (who) {
      $("#fu-code").value = ""; deskSay("", false); showMe(who);
    }).catch(function (err) { $("#fu-code").value = ""; deskSay(err.message, true); });
  });
  $("#fu-signout").addEventListener("click", function () {
    send("/api/v1/dashboard/signout").then(function () { deskSay("已退出登录", false); showMe(null); })
      .catch(function (err) { deskSay(err.message, true); });
  });

  // -- the cards ---------------------------------------------------------------------------
  function info(x) {
    var due = function (cls, what, when, late, done) {
      return '<span class="due ' + cls + (late ? " late" : "") + '">' + what + " " + esc(when) +
        (late ? " <em>已超期</em>" : done ? " <i>" + done + "</i>" : "") + "</span>";
    };
    var h = '<div class="fu-l1"><b class="fu-num">' + esc(x.number) + '号</b><span class="fu-win">' + esc(x.window_name) +
      '</span><span class="fu-staff">' + esc(x.staff_name) + '</span><span class="fu-lvl" data-level="' + x.level + '">' +
      esc(x.level_cn) + '</span><span class="fu-state">' + esc(x.final ? "已办结 · " + x.status_cn : x.status_cn) + "</span></div>" +
      '<div class="fu-l2">' + esc(x.service_name) + (x.matter_name ? " · " + esc(x.matter_name) : "") + " · 评价于 " + esc(x.rated) + "</div>" +
      '<div class="fu-reasons">差评原因：' + (x.reasons.length ? esc(x.reasons.join("、")) : "未选择") + "</div>";
    if (x.final) {
      h += '<div class="fu-dues">办结于 ' + esc(x.closed) + "</div>";
    } else {
      h += '<div class="fu-dues">' + due("contact", "联系时限", x.contact_due, x.contact_overdue, x.contacted ? "已联系" : "") +
        due("rectify", "整改时限", x.rectify_due, x.rectify_overdue, "") + "</div>";
    }
    if (x.request) {
      h += '<div class="fu-request">待审核：' + esc(x.request.by_name) + " 于 " + esc(x.request.at) + " 申请" +
        esc(x.request.kind_cn) + (x.request.note ? "，理由：" + esc(x.request.note) : "") + "（须由另一位监管人员审核）</div>";
    }
    if (x.steps.length) {
      h += '<ul class="fu-steps">' + x.steps.map(function (s) {
        return "<li>" + esc(s.at) + " " + esc(s.by_name) + " " + esc(s.what) + (s.note ? "（" + esc(s.note) + "）" : "") + "</li>";
      }).join("") + "</ul>";
    }
    return h;
  }
  function buttons(x) {
    return x.actions.map(function (a) {
      return '<button type="button" data-act="' + a + '"' + (me ? "" : ' disabled title="请先用本人登录码登录"') + ">" +
        esc(label(a, x)) + "</button>";
    }).join("");
  }
  function make(x) {
    var card = document.createElement("article");
    card.className = "fu-item";
    card.setAttribute("data-id", x.id);
    card.innerHTML = '<div class="fu-info"></div><div class="fu-acts"></div><form class="fu-form" hidden></form>' +
      '<p class="fu-msg" role="status"></p>';
    return card;
  }
  function update(card, x) {
    card.classList.toggle("overdue", !!x.overdue);
    card.classList.toggle("final", !!x.final);
    card.setAttribute("data-status", x.status);
    var html = info(x);
    if (card._info !== html) { card._info = html; card.querySelector(".fu-info").innerHTML = html; }
    var acts = buttons(x);
    if (card._acts !== acts) { card._acts = acts; card.querySelector(".fu-acts").innerHTML = acts; }
    var form = card.querySelector(".fu-form");
    if (!form.hidden && x.actions.indexOf(form.getAttribute("data-act")) < 0) close(form);  // no longer possible
    card._item = x;
  }
  function render(d) {
    live = d;
    var fu = d.followups, box = $("#fu-items"), keep = {};
    setText("#fu-open", fu.open); setText("#fu-overdue", fu.overdue);
    $("#fu-none").hidden = fu.items.length > 0;
    fu.items.forEach(function (x, i) {
      var card = box.querySelector('.fu-item[data-id="' + x.id + '"]') || make(x);
      update(card, x);
      if (box.children[i] !== card) box.insertBefore(card, box.children[i] || null);
      keep[x.id] = true;
    });
    Array.prototype.slice.call(box.children).forEach(function (c) { if (!keep[c.getAttribute("data-id")]) box.removeChild(c); });
  }
  window.dashFollowups = render;

  // -- acting ------------------------------------------------------------------------------
  function say(card, text, bad) { var el = card.querySelector(".fu-msg"); el.textContent = text; el.className = "fu-msg " + (bad ? "bad" : "ok"); }
  function close(form) { form.hidden = true; form.innerHTML = ""; form.removeAttribute("data-act"); }
  function open(card, act) {
    var form = card.querySelector(".fu-form");
    form.setAttribute("data-act", act);
    form.innerHTML = "<b>" + esc(label(act, card._item)) + "</b>" + FORMS[act]() +
      '<button type="submit">确定提交</button><button type="button" data-cancel>取消</button>';
    form.hidden = false;
    var first = form.querySelector("textarea, select, input");
    if (first) first.focus();
  }
  function act(card, action, fields) {
    var id = card.getAttribute("data-id"), busy = card.querySelectorAll("button");
    Array.prototype.forEach.call(busy, function (b) { b.disabled = true; });
    var body = {action: action};
    Object.keys(fields || {}).forEach(function (k) { if (fields[k]) body[k] = fields[k]; });
    send("/api/v1/dashboard/followups/" + encodeURIComponent(id) + "/actions", body).then(function (out) {
      say(card, out.message, false);
      close(card.querySelector(".fu-form"));
    }).catch(function (err) { say(card, err.message, true); }).then(function () {
      Array.prototype.forEach.call(card.querySelectorAll(".fu-form button"), function (b) { b.disabled = false; });
      card._acts = null;  // buttons as the state now allows
      if (card._item) update(card, card._item);
    });
  }
  $("#fu-items").addEventListener("click", function (e) {
    var b = e.target.closest("button"), card = e.target.closest(".fu-item");
    if (!b || !card) return;
    if (b.hasAttribute("data-cancel")) { close(card.querySelector(".fu-form")); return; }
    var a = b.getAttribute("data-act");
    if (!a) return;
    if (FORMS[a]) open(card, a); else act(card, a, {});
  });
  $("#fu-items").addEventListener("submit", function (e) {
    e.preventDefault();
    var form = e.target, card = form.closest(".fu-item"), fields = {};
    Array.prototype.forEach.call(form.elements, function (el) { if (el.name) fields[el.name] = el.value.trim(); });
    act(card, form.getAttribute("data-act"), fields);
  });

  fetch("/api/v1/dashboard/me", {credentials: "same-origin"}).then(function (r) { return r.ok ? r.json() : null; })
    .then(showMe).catch(function () { showMe(null); });
})();
