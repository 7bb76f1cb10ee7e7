// pregon's dashboard: reads /api/v1/stats every second for the figures and charts, and the list of
// the open tab every two seconds. Requests go to the same origin with the browser's credentials, so
// the API's access rules apply unchanged (loopback without credentials, or HTTP Basic).
//
// Client ids, topics and payloads come from MQTT clients: they are only ever put into the page as
// text (textContent), never as HTML.
"use strict";

const STATS_EVERY_MS = 1000;
const LIST_EVERY_MS = 2000;
const HISTORY = 120;  // chart points: two minutes at one reading a second
const PAGE = 500;     // rows a table asks for

const DROP_REASONS = [
  ["qos0_slow", "QoS 0 to a slow or offline client"],
  ["queue_budget", "over a session or total queue budget"],
  ["too_large", "over the receiver's maximum packet size"],
  ["retained_budget", "over the retained-message budget"],
  ["refused_quota", "PUBLISH refused with 0x97 (quota)"],
  ["expired", "message expiry interval ran out"],
];

const $ = (id) => document.getElementById(id);

function css(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

// ---- the API

class ApiError extends Error {}

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: "same-origin", cache: "no-store", ...options });
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) throw new ApiError((body && body.error) || `HTTP ${response.status}`);
  return body;
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== "" && v !== undefined && v !== null) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}

// A topic or client id in a path: each character that is not plain is percent-encoded; a topic's
// '/' stays, the server takes the rest of the path as the name.
const pathPart = (s) => s.split("/").map(encodeURIComponent).join("/");

// ---- formatting

const numberFormat = new Intl.NumberFormat("en-US");
const fmt = (n) => (n === undefined || n === null ? "–" : numberFormat.format(n));
const counted = (n, noun) => `${fmt(n)} ${noun}${n === 1 ? "" : "s"}`;

function rate(n) {
  if (n >= 10000) return `${numberFormat.format(Math.round(n / 1000))}k`;
  if (n >= 100) return numberFormat.format(Math.round(n));
  return n.toFixed(n >= 10 || n === 0 ? 0 : 1);
}

function duration(seconds) {
  seconds = Math.max(0, Math.floor(seconds));
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s}s`;
  return `${s}s`;
}

function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

// ---- DOM helpers

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function badge(text, className) {
  const td = document.createElement("td");
  const span = document.createElement("span");
  span.className = `badge ${className}`;
  span.textContent = text;
  td.appendChild(span);
  return td;
}

function buttonCell(label, className, onClick) {
  const td = document.createElement("td");
  td.className = "num";
  const b = document.createElement("button");
  b.type = "button";
  b.className = `button ${className}`;
  b.textContent = label;
  b.addEventListener("click", onClick);
  td.appendChild(b);
  return td;
}

function fillTable(table, rows, columns, emptyText) {
  const tbody = table.tBodies[0];
  const fresh = document.createDocumentFragment();
  if (rows.length === 0) {
    const tr = document.createElement("tr");
    tr.className = "empty";
    const td = cell(emptyText);
    td.colSpan = columns;
    tr.appendChild(td);
    fresh.appendChild(tr);
  }
  for (const row of rows) fresh.appendChild(row);
  tbody.replaceChildren(fresh);
}

let toastTimer = 0;
function toast(text, isError = false) {
  const t = $("toast");
  t.textContent = text;
  t.classList.toggle("error", isError);
  t.classList.add("shown");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => t.classList.remove("shown"), 3000);
}

// Resolves true when the user confirms in the dialog.
function confirmAction(title, text, okLabel) {
  const dialog = $("confirm");
  $("confirm-title").textContent = title;
  $("confirm-text").textContent = text;
  $("confirm-ok").textContent = okLabel;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
  });
}

// ---- charts: a time series drawn on a canvas at the screen's pixel density

class LineChart {
  // series: [{ key, color (CSS property name) }]
  constructor(canvas, series, { integer = false } = {}) {
    this.canvas = canvas;
    this.series = series;
    this.integer = integer;
    this.points = [];
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  update(points) {
    this.points = points;
    // What the chart shows, readable without pixels (tests, assistive tools).
    for (const s of this.series) {
      const values = points.map((p) => p[s.key]);
      this.canvas.dataset[`${s.key}Last`] = values.length ? String(values[values.length - 1]) : "0";
      this.canvas.dataset[`${s.key}Peak`] = String(values.length ? Math.max(...values) : 0);
    }
    this.canvas.dataset.points = String(points.length);
    this.draw();
  }

  // The top of the scale: four grid steps of 1, 2, 2.5 or 5 times a power of ten (whole numbers
  // for a chart of counts), so that every label is a round number.
  static niceMax(peak, integer) {
    const raw = Math.max(peak / 4, integer ? 1 : 0.25);
    const magnitude = 10 ** Math.floor(Math.log10(raw));
    for (const m of [1, 2, 2.5, 5, 10]) {
      const step = m * magnitude;
      if (step >= raw && (!integer || Number.isInteger(step))) return 4 * step;
    }
    return 40 * magnitude;
  }

  draw() {
    const canvas = this.canvas;
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (width === 0 || height === 0) return;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    const g = canvas.getContext("2d");
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);

    const left = 44, right = 8, top = 8, bottom = 22;
    const plotW = width - left - right;
    const plotH = height - top - bottom;
    let peak = 0;
    for (const p of this.points) for (const s of this.series) peak = Math.max(peak, p[s.key]);
    const max = LineChart.niceMax(peak, this.integer);

    g.font = "11px system-ui, sans-serif";
    g.fillStyle = css("--muted");
    g.strokeStyle = css("--grid");
    g.lineWidth = 1;
    g.textAlign = "right";
    g.textBaseline = "middle";
    const rows = 4;
    for (let i = 0; i <= rows; i++) {
      const y = Math.round(top + plotH - (plotH * i) / rows) + 0.5;
      g.beginPath();
      g.moveTo(left, y);
      g.lineTo(left + plotW, y);
      g.stroke();
      const value = (max * i) / rows;
      g.fillText(this.integer ? fmt(Math.round(value)) : rate(value), left - 6, y);
    }
    g.textAlign = "center";
    g.textBaseline = "top";
    for (const secondsAgo of [120, 90, 60, 30, 0]) {
      const x = left + plotW - (plotW * secondsAgo) / (HISTORY - 1);
      if (x < left) continue;
      g.fillText(secondsAgo === 0 ? "now" : `-${secondsAgo}s`, Math.min(x, left + plotW - 12), top + plotH + 6);
    }

    const n = this.points.length;
    if (n < 2) return;
    const xAt = (i) => left + plotW - (plotW * (n - 1 - i)) / (HISTORY - 1);
    const yAt = (v) => top + plotH - (plotH * v) / max;
    for (const s of this.series) {
      const color = css(s.color);
      g.beginPath();
      this.points.forEach((p, i) => (i === 0 ? g.moveTo(xAt(i), yAt(p[s.key])) : g.lineTo(xAt(i), yAt(p[s.key]))));
      g.strokeStyle = color;
      g.lineWidth = 2;
      g.lineJoin = "round";
      g.stroke();
      g.lineTo(xAt(n - 1), top + plotH);
      g.lineTo(xAt(0), top + plotH);
      g.closePath();
      g.globalAlpha = 0.08;
      g.fillStyle = color;
      g.fill();
      g.globalAlpha = 1;
    }
  }
}

// ---- figures and charts

const history = [];
let previous = null;  // the last reading, for rates
let failedReadings = 0;
const connectionsChart = new LineChart($("chart-connections"), [{ key: "connected", color: "--conn" }], { integer: true });
const ratesChart = new LineChart($("chart-rates"), [
  { key: "in", color: "--in" },
  { key: "out", color: "--out" },
]);

function setStatus(state, text) {
  $("status").dataset.state = state;
  $("status-text").textContent = text;
}

function showStats(s, now) {
  let inRate = 0, outRate = 0;
  if (previous) {
    const seconds = (now - previous.at) / 1000;
    if (seconds > 0) {
      // A restarted broker counts from zero again: no negative rates.
      inRate = Math.max(0, s.publish_messages_received - previous.stats.publish_messages_received) / seconds;
      outRate = Math.max(0, s.publish_messages_sent - previous.stats.publish_messages_sent) / seconds;
    }
  }
  previous = { at: now, stats: s };
  history.push({ connected: s.clients_connected, in: inRate, out: outRate });
  if (history.length > HISTORY) history.shift();

  $("version").textContent = s.version;
  $("uptime").textContent = duration(s.uptime_seconds);
  $("kpi-clients").textContent = fmt(s.clients_connected);
  $("kpi-clients-max").textContent = fmt(s.clients_maximum);
  $("kpi-rate-in").textContent = `${rate(inRate)}/s`;
  $("kpi-rate-out").textContent = `${rate(outRate)}/s`;
  $("kpi-total-in").textContent = fmt(s.publish_messages_received);
  $("kpi-total-out").textContent = fmt(s.publish_messages_sent);
  $("kpi-sessions").textContent = fmt(s.sessions);
  $("kpi-offline").textContent = fmt(s.clients_disconnected);
  $("kpi-subscriptions").textContent = fmt(s.subscriptions);
  $("kpi-queued").textContent = fmt(s.queued_messages);
  $("kpi-inflight").textContent = fmt(s.inflight_messages);
  $("kpi-retained").textContent = fmt(s.retained_messages);
  $("kpi-dropped").textContent = fmt(s.messages_dropped);
  $("count-clients").textContent = fmt(s.clients_connected);
  $("count-sessions").textContent = fmt(s.sessions);

  const byReason = s.messages_dropped_by_reason || {};
  const rows = DROP_REASONS.map(([reason, note]) => {
    const tr = document.createElement("tr");
    const count = byReason[reason] || 0;
    if (count > 0) tr.className = "nonzero";
    const name = cell(reason, "mono");
    const small = document.createElement("span");
    small.className = "reason-note";
    small.textContent = note;
    name.appendChild(small);
    tr.append(name, cell(fmt(count), "num"));
    return tr;
  });
  fillTable($("drops-table"), rows, 2, "");

  connectionsChart.update(history);
  ratesChart.update(history);
}

async function pollStats() {
  try {
    const stats = await api("/api/v1/stats");
    showStats(stats, performance.now());
    setStatus("live", "Live");
  } catch (e) {
    failedReadings++;
    $("kpi-errors").textContent = fmt(failedReadings);
    setStatus("error", e instanceof ApiError ? e.message : "Broker unreachable");
  }
  setTimeout(pollStats, STATS_EVERY_MS);
}

// ---- the tabs' lists

function shown(id, page, noun) {
  const n = page.items.length;
  $(id).textContent = page.total > n ? `${fmt(n)} of ${counted(page.total, noun)}` : counted(n, noun);
}

async function disconnectClient(clientId) {
  if (!(await confirmAction("Disconnect client?", clientId, "Disconnect"))) return;
  try {
    await api(`/api/v1/clients/${pathPart(clientId)}`, { method: "DELETE" });
    toast(`Disconnected ${clientId}`);
  } catch (e) {
    toast(`Could not disconnect ${clientId}: ${e.message}`, true);
  }
  refreshList();
}

async function loadClients() {
  const body = await api(`/api/v1/clients${query({
    limit: PAGE, client_id: $("clients-search").value.trim(), username: $("clients-username").value.trim(),
  })}`);
  const now = Date.now();
  const rows = body.clients.map((c) => {
    const tr = document.createElement("tr");
    tr.dataset.clientId = c.client_id;
    tr.append(
      cell(c.client_id, "mono"),
      cell(c.username ?? "–"),
      cell(c.peer, "mono"),
      badge(c.protocol_version, "version"),
      cell(`${c.keep_alive}s`, "num"),
      cell(`${duration((now - c.connected_since_ms) / 1000)} ago`),
      cell(fmt(c.subscriptions), "num"),
      cell(fmt(c.queued_messages), "num"),
      cell(fmt(c.inflight_messages), "num"),
      buttonCell("Disconnect", "danger disconnect", () => disconnectClient(c.client_id)),
    );
    return tr;
  });
  fillTable($("clients-table"), rows, 10, "No client matches.");
  shown("clients-shown", { items: body.clients, total: body.total }, "client");
}

async function loadSessions() {
  const body = await api(`/api/v1/sessions${query({
    limit: PAGE, client_id: $("sessions-search").value.trim(), connected: $("sessions-state").value,
  })}`);
  const now = Date.now();
  const rows = body.sessions.map((s) => {
    const tr = document.createElement("tr");
    tr.dataset.clientId = s.client_id;
    let expiry = "at disconnect";
    if (s.session_expiry_interval === 4294967295) expiry = "never";
    else if (s.expires_at_ms !== null) expiry = `in ${duration((s.expires_at_ms - now) / 1000)}`;
    else if (s.session_expiry_interval > 0) expiry = `${duration(s.session_expiry_interval)} after disconnect`;
    tr.append(
      cell(s.client_id, "mono"),
      cell(s.username ?? "–"),
      s.connected ? badge("connected", "on") : badge("offline", "off"),
      cell(expiry),
      cell(fmt(s.subscriptions), "num"),
      cell(fmt(s.queued_messages), "num"),
      cell(fmt(s.inflight_messages), "num"),
    );
    return tr;
  });
  fillTable($("sessions-table"), rows, 7, "No session matches.");
  shown("sessions-shown", { items: body.sessions, total: body.total }, "session");
}

async function loadSubscriptions() {
  const input = $("subscriptions-topic");
  const topic = input.value.trim();
  let body;
  try {
    body = await api(`/api/v1/subscriptions${query({ limit: PAGE, topic })}`);
    input.classList.remove("invalid");
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    input.classList.add("invalid");
    $("subscriptions-shown").textContent = e.message;
    return;
  }
  const rows = body.subscriptions.map((s) => {
    const tr = document.createElement("tr");
    tr.dataset.clientId = s.client_id;
    tr.append(cell(s.client_id, "mono"), cell(s.filter, "mono"), cell(String(s.qos), "num"),
              s.online ? badge("online", "on") : badge("offline", "off"));
    return tr;
  });
  fillTable($("subscriptions-table"), rows, 4, topic ? "No subscription matches this topic." : "No subscriptions.");
  $("subscriptions-shown").textContent = topic
    ? `${counted(rows.length, "subscription")} for ${topic}`
    : counted(rows.length, "subscription");
}

async function clearRetained(topic) {
  if (!(await confirmAction("Clear retained message?", topic, "Clear"))) return;
  try {
    await api(`/api/v1/retained/${pathPart(topic)}`, { method: "DELETE" });
    toast(`Cleared ${topic}`);
  } catch (e) {
    toast(`Could not clear ${topic}: ${e.message}`, true);
  }
  refreshList();
}

async function loadRetained() {
  const input = $("retained-filter");
  let body;
  try {
    body = await api(`/api/v1/retained${query({ limit: PAGE, filter: input.value.trim() })}`);
    input.classList.remove("invalid");
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    input.classList.add("invalid");
    $("retained-shown").textContent = e.message;
    return;
  }
  const rows = body.retained.map((m) => {
    const tr = document.createElement("tr");
    tr.dataset.topic = m.topic;
    const payload = cell(m.payload, "mono payload");
    payload.title = m.payload;
    const broker = m.topic.startsWith("$");
    tr.append(cell(m.topic, "mono"), payload, cell(bytes(m.payload_bytes), "num"), cell(String(m.qos), "num"),
              broker ? cell("") : buttonCell("Clear", "danger", () => clearRetained(m.topic)));
    return tr;
  });
  fillTable($("retained-table"), rows, 5, "No retained message matches.");
  $("retained-shown").textContent = body.next_after ? `first ${fmt(rows.length)} topics` : counted(rows.length, "topic");
}

const loaders = { clients: loadClients, sessions: loadSessions, subscriptions: loadSubscriptions, retained: loadRetained };
let activeTab = "clients";
let listTimer = 0;
let listGeneration = 0;

// Loads the open tab's list now, and again every LIST_EVERY_MS. A load that finishes after a newer
// one started is ignored.
async function refreshList() {
  clearTimeout(listTimer);
  const generation = ++listGeneration;
  try {
    await loaders[activeTab]();
  } catch (e) {
    if (generation === listGeneration) toast(e.message, true);
  }
  if (generation === listGeneration) listTimer = setTimeout(refreshList, LIST_EVERY_MS);
}

function selectTab(name) {
  activeTab = name;
  for (const tab of document.querySelectorAll(".tab")) tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
  for (const body of document.querySelectorAll(".tab-body")) body.hidden = body.id !== `tab-${name}`;
  refreshList();
}

function debounce(f, ms) {
  let timer = 0;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(f, ms);
  };
}

for (const tab of document.querySelectorAll(".tab")) tab.addEventListener("click", () => selectTab(tab.dataset.tab));
const typed = debounce(refreshList, 250);
for (const id of ["clients-search", "clients-username", "sessions-search", "subscriptions-topic", "retained-filter"]) {
  $(id).addEventListener("input", typed);
}
$("sessions-state").addEventListener("change", refreshList);

pollStats();
refreshList();
