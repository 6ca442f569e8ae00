// The ticket kiosk: department -> service -> matter -> lane, then the number, large.
// Locked: no links out; after 20 s without a touch it goes back to the start.
"use strict";
const IDLE_MS = 20000;
const LANES = [["normal", "普通", ""], ["green", "绿色通道", "green"], ["appointment", "预约签到", "appt"]];
let menu = null, pick = {}, steps = [], idle = null, busy = false, last = null;
const $ = (id) => document.getElementById(id);

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function show(title, hint, buttons) {
  $("title").textContent = title;
  $("hint").textContent = hint || "";
  $("result").hidden = true;
  $("keypad").hidden = true;
  $("retry").hidden = true;
  const box = $("choices");
  box.hidden = false;
  box.replaceChildren(...buttons.map(([label, sub, cls, fn]) => {
    const b = el("button", cls || "", label);
    if (sub) b.appendChild(el("small", "", sub));
    b.addEventListener("click", () => { if (!busy) fn(); });
    return b;
  }));
  $("home").hidden = steps.length === 0;
  $("back").hidden = steps.length === 0;
}

function go(fn) { steps.push(fn); fn(); }
function back() { steps.pop(); (steps[steps.length - 1] || start)(); }

function start() {
  pick = {}; steps = []; busy = false;
  if (!menu) { show("请稍候", "正在连接……", []); return; }
  show("请选择办事部门", "点击您要办理业务的部门；已预约请点“预约签到”", [
    ...menu.departments.map((d) =>
      [d.name, d.services.map((s) => s.name).join("、"), "", () => go(() => services(d))]),
    ["预约签到", "凭预约码签到", "appt", () => go(keypad)]]);
}

function services(d) {
  show(d.name, "请选择业务", d.services.map((s) => [s.name, "", "", () => {
    pick = {service: s.code, serviceName: s.name};
    go(s.matters.length ? () => matters(s) : lanes);
  }]));
}

function matters(s) {
  show(s.name, "请选择办理事项", s.matters.map((m) => [m.name, "", "", () => {
    pick.matter = m.code; go(lanes);
  }]));
}

function lanes() {
  show("请选择取号方式", "老、弱、病、残、孕及军人军属等请选绿色通道；已预约请选预约签到", LANES.map(([lane, name, cls]) =>
    [name, "", cls, () => {
      if (lane === "normal") take({lane});
      else if (lane === "green") go(categories);
      else go(keypad);
    }]));
}

function categories() {
  show("绿色通道", "请选择您的情况", menu.green_categories.map((c) =>
    [c, "", "green", () => take({lane: "green", category: c})]));
}

function keypad() {
  show("预约签到", "请输入预约码（6位数字），按“确定”", []);
  $("choices").hidden = true;
  $("keypad").hidden = false;
  let code = "";
  const shown = $("code");
  shown.textContent = "";
  const keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "删除", "0", "确定"].map((k) => {
    const b = el("button", k === "确定" ? "ok" : "", k);
    b.addEventListener("click", () => {
      if (busy) return;
      if (k === "删除") code = code.slice(0, -1);
      else if (k === "确定") {
        if (code.length >= 4) take({lane: "appointment", appointment_code: code});
        else $("hint").textContent = code ? "预约码不完整，请输入6位预约码" : "请先输入预约码（6位数字）";
        return;
      }
      else if (code.length < 16) code += k;
      shown.textContent = code;
    });
    return b;
  });
  $("keys").replaceChildren(...keys);
}

// A slip prints in 1-3 s, a slow printer's checks take longer: an answer not here by then is
// asked for again with the same key (the gateway answers as the first time, never a second ticket).
const TAKE_TIMEOUT_MS = 20000, TAKE_TRIES = 3;

async function take(extra) {
  if (busy) return;  // one tap, one ticket
  busy = true;
  clearTimeout(idle);  // not back to the start while the ticket is on its way
  // 预约签到: the appointment names the service and matter, unless the citizen chose them first
  const body = {...extra};
  if (pick.service) body.service = pick.service;
  if (pick.matter) body.matter = pick.matter;
  last = body;
  for (const b of document.querySelectorAll("button")) b.disabled = true;
  $("hint").textContent = "正在取号，请稍候……";
  let r = null;
  try {
    r = await once.post("/api/v1/kiosk/tickets", body, {timeoutMs: TAKE_TIMEOUT_MS, tries: TAKE_TRIES,
      retrying: () => { $("hint").textContent = "网络较慢，正在继续取号，请稍候……"; }});
  } catch (e) {
    r = null;  // no answer to any try
  }
  for (const b of document.querySelectorAll("button")) b.disabled = false;
  busy = false;
  touched();
  result(r, r && r.data);
}

function result(r, a) {
  $("choices").hidden = true;
  $("keypad").hidden = true;
  $("result").hidden = false;
  $("back").hidden = true;
  $("home").hidden = false;
  $("retry").hidden = true;
  $("title").textContent = "";
  $("hint").textContent = "";
  const status = $("status"), number = $("number");
  for (const id of ["where", "ahead", "wait", "reason"]) $(id).textContent = "";
  number.className = "number";
  $("qr").hidden = true;
  $("qr-img").removeAttribute("src");
  if (!a || !a.ticket) {
    // The gateway says why in Chinese (detail); anything else (no answer, a form of the wrong
    // shape) gets a general sentence, never the English of a check.
    status.className = "status bad";
    status.textContent = r && r.status === 409 ? "现在不能取号" : "取号未成功";
    number.textContent = "";
    // No answer at all: whether a number was taken is not known here; the staff can look it up.
    $("reason").textContent = a && typeof a.detail === "string" ? a.detail :
      r ? "请稍后再试或咨询工作人员" : "网络中断，未能确认是否已取号，请咨询工作人员";
    return;
  }
  const t = a.ticket;
  number.textContent = t.number;
  $("where").textContent = t.service_name + (t.matter_name ? " · " + t.matter_name : "") +
    (t.lane === "green" ? " · 绿色通道" : t.lane === "appointment" ? " · 预约" : "");
  if (a.voided) {
    status.className = "status bad";
    status.textContent = "号票没能打印";
    number.className = "number void";
    $("reason").textContent = a.reason;
    $("retry").hidden = false;
    return;
  }
  $("ahead").textContent = "前面还有 " + t.ahead + " 人";
  $("wait").textContent = "预计等候约 " + t.estimated_wait_minutes + " 分钟";
  if (a.printed) {
    status.className = "status ok";
    status.textContent = "请取票";
  } else {
    status.className = "status warn";
    status.textContent = "请记住您的号码";
    $("reason").textContent = a.reason;
    if (t.qr_image) {  // no slip: the slip's QR code on the screen, to follow the queue on a phone
      $("qr-img").src = t.qr_image;
      $("qr").hidden = false;
    }
  }
}

function touched() {
  clearTimeout(idle);
  idle = setTimeout(() => (busy ? touched() : start()), IDLE_MS);  // never while a ticket is on its way
}

function tick() {
  const d = new Date();
  $("clock").textContent = String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0");
}

async function load() {
  try {
    const r = await fetch("/api/v1/kiosk/menu");
    if (r.ok) {
      menu = await r.json();
      $("hall").textContent = menu.hall + " 自助取号";
    }
  } catch (e) { /* the gateway restarts: try again below */ }
  if (!menu) { setTimeout(load, 3000); show("请稍候", "正在连接……", []); return; }
  start();
}

$("home").addEventListener("click", start);
$("back").addEventListener("click", back);
$("retry").addEventListener("click", () => { if (last) take(last); });
document.addEventListener("pointerdown", touched, true);
document.addEventListener("contextmenu", (e) => e.preventDefault());
setInterval(tick, 10000);
tick();
touched();
load();
