// The page behind the ticket's QR code: the ticket's progress, and 补充评价 with its code.
"use strict";
const LEVELS = [[5, "非常满意"], [4, "满意"], [3, "基本满意"], [2, "不满意"], [1, "非常不满意"]];
const tid = decodeURIComponent(location.pathname.split("/").pop());
const code = new URLSearchParams(location.search).get("c") || "";
const $ = (id) => document.getElementById(id);
let level = null, chosen = new Set(), reasons = [];

async function progress() {
  const r = await fetch("/api/v1/kiosk/progress/" + encodeURIComponent(tid));
  if (!r.ok) {
    $("state").textContent = "查不到今天的这张号票（已过当日或号码有误）";
    if (code) $("rate").hidden = false;
    return;
  }
  const p = await r.json();
  $("hall").textContent = p.hall + " 办事进度";
  $("number").textContent = p.number;
  $("state").textContent = p.text;
  // 补充评价 opens once the service is done (a ticket of an earlier day is not found here, but rates)
  if (p.state !== "done") { $("rate").hidden = true; setTimeout(progress, 15000); }
  else if (code && p.outcome === "served") $("rate").hidden = false;
}

function pickLevel(n) {
  level = n;
  for (const b of $("levels").children) b.className = Number(b.dataset.level) === n ? "on" : "";
  $("reasons").hidden = n > 2;  // 差评: say why (optional)
  $("send").disabled = false;
}

async function setup() {
  if (!code) return;
  $("levels").replaceChildren(...LEVELS.map(([n, name]) => {
    const b = document.createElement("button");
    b.textContent = name;
    b.dataset.level = n;
    b.addEventListener("click", () => pickLevel(n));
    return b;
  }));
  try { reasons = (await (await fetch("/api/v1/content")).json()).reasons; } catch (e) { reasons = []; }
  $("reasons").replaceChildren(...reasons.map((x) => {
    const b = document.createElement("button");
    b.textContent = x.text;
    b.addEventListener("click", () => {
      if (chosen.has(x.code)) chosen.delete(x.code); else chosen.add(x.code);
      b.className = chosen.has(x.code) ? "on" : "";
    });
    return b;
  }));
}

$("send").addEventListener("click", async () => {
  $("send").disabled = true;
  const r = await fetch("/api/v1/ratings/supplementary", {method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({code, level, reasons: level <= 2 ? [...chosen] : []})});
  if (r.ok) { $("rate").hidden = true; $("msg").textContent = "感谢您的评价！"; return; }
  const why = (await r.json()).detail || "";
  $("msg").textContent = r.status === 404 ? "评价码无效或已过评价期限（办结后才能评价）" :
    /already rated/.test(why) ? "这次服务已经评价过了（一次一评）" :
    /being rated/.test(why) ? "请在窗口评价器上评价" : "暂时不能评价：办结后再来评价";
  $("send").disabled = false;
});

progress();
setup();
