// The dashboard's 好差评上报 panel: the level map's standing, as the live picture pushes it. Where
// the province's content cannot tell which way round the map runs (praise tags for every level),
// ratings are delivered and the panel warns until a supervisor signed in here confirms the map;
// the confirmation is a logged command, and every open dashboard shows it at its next push.
(function () {
  "use strict";
  var $ = window.dash.$, setText = window.dash.setText, hasHan = window.dash.hasHan;
  var tz = "Asia/Shanghai";

  function dayTime(epoch) {  // 2026-12-09 10:05 in the hall's time zone ("sv-SE" writes dates so)
    return new Date(epoch * 1000).toLocaleString("sv-SE", {timeZone: tz}).slice(0, 16);
  }
  function render(m, d) {
    if (d && d.hall && d.hall.timezone) tz = d.hall.timezone;
    var box = $("#upstream-map");
    if (!m || m.state === "right") { box.hidden = true; box.removeAttribute("data-state"); return; }
    box.hidden = false;
    box.setAttribute("data-state", m.state);
    var text = m.state === "confirmed" ?
      "等级对应已由" + (m.by_name || "监管人员") + "于 " + dayTime(m.at) + " 确认。" : m.text;
    setText("#upstream-map-text", text);
    $("#upstream-map-text").className = m.state === "confirmed" ? "" : "alert";
    setText("#upstream-map-list", "本厅等级对应：" + m.map_cn);
    $("#upstream-confirm").hidden = !m.confirmable;
  }

  $("#upstream-confirm").addEventListener("click", function () {
    var btn = this;
    btn.disabled = true;
    setText("#upstream-confirm-msg", "正在确认…");
    fetch("/api/v1/dashboard/upstream/confirm-level-map", {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json"}, body: "{}"}).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (b) {
        if (!r.ok) throw new Error(typeof b.detail === "string" && hasHan(b.detail) ? b.detail :
                                   "未能确认（" + r.status + "）");
        return b;
      });
    }).then(function (b) {
      setText("#upstream-confirm-msg", b.message);
      render(b.level_map);
    }).catch(function (e) { setText("#upstream-confirm-msg", e.message); }).then(function () { btn.disabled = false; });
  });
  window.dashUpstream = render;
})();
