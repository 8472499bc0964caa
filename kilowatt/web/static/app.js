/* Kilowatt driver app. Plain JavaScript, no build step, no external requests.
 *
 * The driver's session token lives in localStorage and travels only in the Authorization
 * header (never a cookie), so another site cannot make the browser act for the driver.
 * Data is put into the page with textContent; the one HTML fragment (a receipt) is rendered
 * and escaped by the server.
 */
"use strict";

const TOKEN_KEY = "kilowatt.driverToken";
const page = document.body.dataset.page;
const itemId = document.body.dataset.item;

function token() { return localStorage.getItem(TOKEN_KEY); }

async function call(path, options = {}) {
  const headers = { ...(options.headers || {}) };
  if (token()) headers.Authorization = `Bearer ${token()}`;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(options.json);
  }
  const response = await fetch(path, { ...options, headers });
  if (response.status === 401 && token()) {
    localStorage.removeItem(TOKEN_KEY);
    location.href = "/app/sign-in";
    throw new Error("signed out");
  }
  return response;
}

async function json(path, options) {
  const response = await call(path, options);
  const body = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const detail = body && (Array.isArray(body.detail) ? body.detail.map((d) => d.msg).join("; ") : body.detail);
    const error = new Error(detail || (body && body.error) || response.statusText);
    error.status = response.status;
    throw error;
  }
  return body;
}

function say(text, isError = false) {
  const box = document.getElementById("message");
  box.textContent = text;
  box.classList.toggle("error", isError);
  box.hidden = !text;
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

function money(price, currency) {
  return price ? `${Number(price.incl_vat ?? price.excl_vat).toFixed(2)} ${currency}` : null;
}

function priceText(prices) {
  if (!prices) return "Price from the operator";
  const parts = [];
  const c = prices.currency;
  if (prices.per_kwh) parts.push(`${money(prices.per_kwh, c)}/kWh`);
  if (prices.per_minute) parts.push(`${money(prices.per_minute, c)}/min`);
  if (prices.per_session) parts.push(`${money(prices.per_session, c)}/session`);
  if (prices.per_parking_minute) parts.push(`parking ${money(prices.per_parking_minute, c)}/min`);
  const vatUnknown = [prices.per_kwh, prices.per_minute, prices.per_session].some((p) => p && p.incl_vat == null);
  return parts.length ? `${parts.join(" · ")} (${vatUnknown ? "excl. VAT" : "incl. VAT"})` : "Free";
}

const CONNECTORS = {
  IEC_62196_T2: "Type 2", IEC_62196_T2_COMBO: "CCS", CHADEMO: "CHAdeMO",
  IEC_62196_T1: "Type 1", IEC_62196_T1_COMBO: "CCS1", DOMESTIC_F: "Schuko",
  TESLA_S: "Tesla", GBT_AC: "GB/T AC", GBT_DC: "GB/T DC", IEC_62196_T3C: "Type 3C", NEMA_5_20: "NEMA 5-20",
};
function connectorNames(list) { return list.map((c) => CONNECTORS[c] || c).join(", "); }
function kw(watts) { return watts ? `${(watts / 1000).toFixed(0)} kW` : "power not stated"; }

function starButton(loc) {
  const button = el("button", { type: "button", class: "star signed-in", "aria-pressed": String(loc.favourite) });
  const show = (on) => {
    button.setAttribute("aria-pressed", String(on));
    button.textContent = on ? "★ Favourite" : "☆ Favourite";
  };
  show(loc.favourite);
  button.addEventListener("click", async () => {
    const on = button.getAttribute("aria-pressed") !== "true";
    try {
      await json(`/app/api/favourites/${encodeURIComponent(loc.id)}`, { method: on ? "PUT" : "DELETE" });
      show(on);
    } catch (error) { say(error.message, true); }
  });
  return button;
}

// --- Find: map and list -----------------------------------------------------------------

let map = null;
let markers = null;

function setUpMap() {
  const box = document.getElementById("map");
  map = L.map(box, { attributionControl: Boolean(box.dataset.tileUrl) }).setView([52.1, 7.5], 5);
  if (box.dataset.tileUrl) {
    L.tileLayer(box.dataset.tileUrl, { maxZoom: 19, attribution: box.dataset.attribution }).addTo(map);
  }
  markers = L.layerGroup().addTo(map);
}

function showOnMap(locations) {
  markers.clearLayers();
  const points = [];
  for (const loc of locations) {
    const point = [loc.latitude, loc.longitude];
    points.push(point);
    const colour = loc.available_evses > 0 ? "#0b6e4f" : "#8a94a0";
    const popup = el("div", {},
      el("strong", { text: loc.name }), el("br"),
      el("span", { text: `${loc.available_evses}/${loc.evses.length} available` }), el("br"),
      el("a", { href: `/app/locations/${encodeURIComponent(loc.id)}`, text: "Details and charging" }));
    L.circleMarker(point, { radius: 10, color: colour, fillColor: colour, fillOpacity: 0.8, className: "location-marker" })
      .bindPopup(popup).addTo(markers);
  }
  if (points.length) map.fitBounds(points, { padding: [30, 30], maxZoom: 14 });
}

function locationItem(loc) {
  const evses = loc.evses;
  const cheapest = evses[0] ? priceText(evses[0].prices) : "";
  const power = Math.max(0, ...evses.map((e) => e.max_power_w || 0));
  const standards = [...new Set(evses.flatMap((e) => e.connector_standards))];
  return el("li", { class: "location-item", "data-location": loc.id },
    el("h2", {}, el("a", { href: `/app/locations/${encodeURIComponent(loc.id)}`, text: loc.name })),
    el("p", { class: "meta", text: `${loc.address}, ${loc.city} · open ${loc.opening_hours}` }),
    el("p", { class: "meta" },
      el("span", { class: `badge ${loc.available_evses ? "AVAILABLE" : ""}`, text: `${loc.available_evses}/${evses.length} available` }),
      ` ${connectorNames(standards)} · up to ${kw(power)}`),
    el("p", { class: "meta price", text: cheapest }),
    ...(loc.partner ? [partnerBadge(loc)] : []), starButton(loc));
}

function partnerBadge(loc) {
  const who = loc.partner.operator ? `${loc.partner.operator}, ` : "";
  return el("p", { class: "meta partner", text: `Partner network: ${who}${loc.partner.country_code}*${loc.partner.party_id}` });
}

async function loadLocations() {
  const form = new FormData(document.getElementById("filters"));
  const query = new URLSearchParams();
  for (const [key, value] of form.entries()) if (value) query.append(key, value); // connector repeats
  try {
    const locations = await json(`/app/api/locations?${query}`);
    const list = document.getElementById("locations");
    list.replaceChildren(...locations.map(locationItem));
    if (!locations.length) list.append(el("li", { class: "empty", text: "No charger matches these filters." }));
    showOnMap(locations);
  } catch (error) { say(error.message, true); }
}

// The default vehicle's connectors are ticked when the page opens; the driver may change them.
async function preselectVehicleConnectors() {
  if (!token()) return;
  const car = (await json("/api/v1/driver/vehicles")).find((v) => v.is_default);
  if (!car) return;
  const box = document.getElementById("filter-connector");
  for (const standard of car.connector_standards) {
    let input = [...box.querySelectorAll("input")].find((i) => i.value === standard);
    if (!input) {
      input = el("input", { type: "checkbox", name: "connector", value: standard });
      box.append(el("label", { class: "check" }, input, ` ${CONNECTORS[standard] || standard}`));
    }
    input.checked = true;
  }
  const note = document.getElementById("filter-vehicle");
  note.textContent = `(for your ${car.name})`;
  note.hidden = false;
}

async function findPage() {
  setUpMap();
  document.getElementById("filters").addEventListener("change", loadLocations);
  try { await preselectVehicleConnectors(); } catch (error) { say(error.message, true); }
  loadLocations();
  setInterval(loadLocations, 30000); // availability changes while the page is open
}

// --- A location: its EVSEs, start charging ----------------------------------------------

async function waitForSession(evse) {
  for (let attempt = 0; attempt < 90; attempt += 1) {
    const sessions = await json("/api/v1/driver/sessions?limit=10");
    const found = sessions.find((s) => s.status === "ACTIVE" && s.evse_uid === evse.uid);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error("The station accepted but did not start; plug in your car and try again.");
}

async function start(evse, button) {
  if (!token()) { location.href = "/app/sign-in"; return; }
  button.disabled = true;
  say("Asking the station to start…");
  try {
    const answer = await json("/api/v1/driver/sessions", {
      method: "POST", json: { station_id: evse.station_id, evse_id: evse.evse_id },
    });
    if (answer.status && answer.status !== "Accepted") throw new Error(`The station said: ${answer.status}`);
    say("Accepted. Waiting for the session to start…");
    const session = await waitForSession(evse);
    location.href = `/app/sessions/${encodeURIComponent(session.id)}`;
  } catch (error) {
    declinedOr(error);
    button.disabled = false;
  }
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Follows a Server-Sent Events stream until done(latest); a stream that drops is reopened
// after retryMs (its first event is the state then, so nothing is missed). Gives up with
// `late` after timeoutMs.
async function follow(path, { show = () => {}, done, retryMs = 10000, timeoutMs = 0, late = "" }) {
  const stop = new AbortController();
  const timer = timeoutMs ? setTimeout(() => stop.abort(), timeoutMs) : null;
  let latest = null;
  try {
    for (;;) {
      try {
        await readEvents(path, (data) => { latest = data; show(data); }, stop.signal);
      } catch (error) {
        if (stop.signal.aborted) throw new Error(late);
        if (error.status === 404 || (!latest && error.status)) throw error;
      }
      if (latest && done(latest)) return latest;
      await pause(retryMs);
    }
  } finally { clearTimeout(timer); }
}

const commandStream = (id) => `/app/api/roaming/commands/${encodeURIComponent(id)}/live`;

// The command's result, pushed when the partner CPO posts it (and, for a start, the session
// it started, once the CPO sent it).
function settledCommand(id, show) {
  return follow(commandStream(id), {
    show, done: (c) => c.settled, retryMs: 5000, timeoutMs: 180000,
    late: "The operator did not answer; try again.",
  });
}

async function startAtPartner(loc, evse, button) {
  if (!token()) { location.href = "/app/sign-in"; return; }
  button.disabled = true;
  say(`Asking ${loc.partner.party_id} to start…`);
  try {
    const where = {
      partner_id: loc.partner.partner_id, location_id: loc.partner.location_id,
      evse_uid: evse.uid, connector_id: evse.connector_ids[0] ?? null,
    };
    const command = await json("/api/v1/driver/roaming/sessions", { method: "POST", json: where });
    if (command.response !== "ACCEPTED") throw new Error(`The operator said: ${command.response}`);
    const settled = await settledCommand(command.id, (c) => {
      if (c.result === "ACCEPTED") say("Accepted. Waiting for the session to start…");
    });
    if (settled.session_id) {
      location.href = `/app/roaming/${encodeURIComponent(settled.session_id)}`;
      return;
    }
    throw new Error(`The station did not start: ${settled.result || settled.response}`);
  } catch (error) { declinedOr(error); button.disabled = false; }
}

// A 402 is the card held before any start being declined: say so and where to fix it.
function declinedOr(error) {
  if (error.status === 402) {
    say(`Payment declined: ${error.message}. Check your cards on the Payment page.`, true);
  } else say(error.message, true);
}

function evseItem(evse, loc) {
  const button = el("button", { type: "button", class: "primary start", "data-evse": evse.uid, text: "Start charging" });
  button.disabled = evse.status !== "AVAILABLE";
  button.addEventListener("click", () => (loc.partner ? startAtPartner(loc, evse, button) : start(evse, button)));
  return el("li", { class: "evse-item" },
    el("h2", { text: evse.evse_code || evse.uid }),
    el("p", { class: "meta" }, el("span", { class: `badge ${evse.status}`, text: evse.status }),
      ` ${connectorNames(evse.connector_standards)} · ${kw(evse.max_power_w)}`),
    el("p", { class: "meta price", text: priceText(evse.prices) }),
    button);
}

async function locationPage() {
  try {
    const loc = await json(`/app/api/locations/${encodeURIComponent(itemId)}`);
    document.getElementById("location-name").textContent = loc.name;
    document.getElementById("location-address").textContent = `${loc.address}, ${loc.postal_code} ${loc.city}`;
    document.getElementById("location-hours").textContent = loc.opening_hours;
    document.getElementById("star").replaceWith(...(loc.partner ? [partnerBadge(loc)] : []), starButton(loc));
    document.getElementById("evses").replaceChildren(...loc.evses.map((evse) => evseItem(evse, loc)));
    if (!token()) say("Sign in to start charging and to see your own prices.");
  } catch (error) { say(error.message, true); }
}

// --- Live session (Server-Sent Events over fetch, so the token stays in a header) ----------

async function readEvents(path, onData, signal) {
  const response = await call(path, { headers: { Accept: "text/event-stream" }, signal });
  if (!response.ok) {
    const error = new Error((await response.json().catch(() => ({}))).detail || response.statusText);
    error.status = response.status;
    throw error;
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
      if (data) onData(JSON.parse(data));
    }
  }
}

// Payments stopped the session (a refused top-up): say why, as the server tells it.
function showStopped(session) {
  const stopped = document.getElementById("live-stopped");
  stopped.textContent = session.stopped_reason || "";
  stopped.hidden = !session.stopped_reason;
}

function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const pad = (n) => String(n).padStart(2, "0");
  return `${Math.floor(s / 3600)}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
}

async function showReceiptLink() {
  for (let attempt = 0; attempt < 30; attempt += 1) {
    const cdrs = await json("/api/v1/driver/cdrs?limit=20");
    const cdr = cdrs.find((c) => c.session_id === itemId && !c.credit);
    if (cdr) {
      const link = document.querySelector("#receipt-link a");
      link.href = `/app/receipts/${encodeURIComponent(cdr.id)}`;
      document.getElementById("receipt-link").hidden = false;
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function livePage() {
  let latest = null;
  let updates = 0;
  const tick = () => {
    if (!latest) return;
    const end = latest.end_date_time ? new Date(latest.end_date_time) : new Date();
    document.getElementById("live-duration").textContent = duration((end - new Date(latest.start_date_time)) / 1000);
  };
  setInterval(tick, 1000);
  const stop = document.getElementById("stop");
  stop.addEventListener("click", async () => {
    stop.disabled = true;
    try {
      await json(`/api/v1/driver/sessions/${encodeURIComponent(itemId)}/stop`, { method: "POST" });
      say("Stopping…");
    } catch (error) { say(error.message, true); stop.disabled = false; }
  });
  const show = (session) => {
    latest = session;
    updates += 1;
    document.getElementById("live-status").textContent = session.status;
    document.getElementById("live-energy").textContent = Number(session.kwh).toFixed(3);
    document.getElementById("live-power").textContent = session.power_w == null ? "–" : (session.power_w / 1000).toFixed(1);
    const cost = session.total_cost || { excl_vat: 0 };
    document.getElementById("live-cost").textContent = Number(cost.incl_vat ?? cost.excl_vat).toFixed(2);
    document.getElementById("live-currency").textContent = session.currency;
    document.getElementById("live-updates").textContent = String(updates);
    showStopped(session);
    tick();
  };
  while (!latest || latest.status === "ACTIVE") {
    try {
      await readEvents(`/app/api/sessions/${encodeURIComponent(itemId)}/live`, show);
    } catch (error) {
      say(error.message, true);
      if (!latest) return;
    }
    if (latest && latest.status === "ACTIVE") await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  stop.hidden = true;
  say("Charging has ended.");
  await showReceiptLink();
}

// --- A session at a partner CPO: pushed when the operator reports it ----------------------

async function roamingPage() {
  if (!token()) { location.href = "/app/sign-in"; return; }
  const stop = document.getElementById("stop");
  stop.addEventListener("click", async () => {
    stop.disabled = true;
    try {
      const command = await json(`/api/v1/driver/roaming/sessions/${encodeURIComponent(itemId)}/stop`, { method: "POST" });
      say("Stopping…");
      const settled = await settledCommand(command.id);
      if (settled.result !== "ACCEPTED") { say(`The station did not stop: ${settled.result || settled.response}`, true); stop.disabled = false; }
    } catch (error) { say(error.message, true); stop.disabled = false; }
  });
  let latest = null;
  const tick = () => {
    if (!latest || !latest.start_date_time) return;
    const end = latest.end_date_time ? new Date(latest.end_date_time) : new Date();
    document.getElementById("live-duration").textContent = duration((end - new Date(latest.start_date_time)) / 1000);
  };
  setInterval(tick, 1000);
  const show = (session) => {
    latest = session;
    document.getElementById("roaming-operator").textContent = session.operator;
    document.getElementById("live-status").textContent = session.status;
    document.getElementById("live-energy").textContent = Number(session.kwh || 0).toFixed(3);
    document.getElementById("live-power").textContent = session.power_w == null ? "–" : (session.power_w / 1000).toFixed(1);
    const cost = session.total_cost;
    document.getElementById("live-cost").textContent = cost ? Number(cost.incl_vat ?? cost.excl_vat).toFixed(2) : "–";
    document.getElementById("live-currency").textContent = session.currency || "";
    showStopped(session);
    tick();
  };
  try {
    // A dropped stream is reopened every 10 s: the slow fallback, no polling while it is open.
    await follow(`/app/api/roaming/sessions/${encodeURIComponent(itemId)}/live`, { show, done: (s) => s.ended });
  } catch (error) { say(error.message, true); return; }
  stop.hidden = true;
  say("Charging has ended. The operator's CDR shows in your history.");
}

// --- History, receipts ----------------------------------------------------------------------

async function historyPage() {
  if (!token()) { location.href = "/app/sign-in"; return; }
  try {
    const [sessions, cdrs, favourites, locations] = await Promise.all([
      json("/api/v1/driver/sessions?limit=20"), json("/api/v1/driver/cdrs?limit=50"),
      json("/app/api/favourites"), json("/app/api/locations"),
    ]);
    showPartnerHistory().catch((error) => say(error.message, true));
    const names = Object.fromEntries(locations.map((loc) => [loc.id, loc.name]));
    const active = sessions.filter((s) => s.status === "ACTIVE");
    if (active.length) {
      document.getElementById("active").replaceChildren(...active.map((s) => el("li", {},
        el("a", { href: `/app/sessions/${encodeURIComponent(s.id)}`, text: `Charging since ${new Date(s.start_date_time).toLocaleString()}` }),
        el("p", { class: "meta", text: `${Number(s.kwh).toFixed(3)} kWh` }))));
    }
    if (cdrs.length) {
      document.getElementById("receipts").replaceChildren(...cdrs.map((c) => el("li", { class: "receipt-item" },
        el("a", { href: `/app/receipts/${encodeURIComponent(c.id)}`, text: `${new Date(c.start_date_time).toLocaleString()} · ${c.cdr_location.name || c.cdr_location.id}` }),
        el("p", { class: "meta", text: `${Number(c.total_energy).toFixed(3)} kWh · ${Number(c.total_cost.incl_vat ?? c.total_cost.excl_vat).toFixed(2)} ${c.currency}${c.credit ? " (credit)" : ""}` }))));
    }
    if (favourites.length) {
      document.getElementById("favourites").replaceChildren(...favourites.map((id) => el("li", {},
        el("a", { href: `/app/locations/${encodeURIComponent(id)}`, text: names[id] || id }))));
    }
  } catch (error) { say(error.message, true); }
}

async function showPartnerHistory() {
  const [sessions, cdrs] = await Promise.all([
    json("/api/v1/driver/roaming/sessions?limit=20"), json("/api/v1/driver/roaming/cdrs?limit=50"),
  ]);
  const who = (item) => `${item.country_code}*${item.party_id}`;
  const cost = (c) => (c ? Number(c.incl_vat ?? c.excl_vat).toFixed(2) : "–");
  if (sessions.length) document.getElementById("partner-sessions").replaceChildren(...sessions.map((s) => el("li", {},
    el("a", { href: `/app/roaming/${encodeURIComponent(s.object.id)}`, text: `${new Date(s.object.start_date_time).toLocaleString()} at ${who(s)}` }),
    el("p", { class: "meta", text: `${s.object.status} · ${Number(s.object.kwh || 0).toFixed(3)} kWh · ${cost(s.object.total_cost)} ${s.object.currency || ""}` }))));
  if (cdrs.length) document.getElementById("partner-cdrs").replaceChildren(...cdrs.map((c) => el("li", { class: "partner-cdr" },
    el("a", { href: `/app/partner-receipts/${encodeURIComponent(c.object.id)}`, text: `${new Date(c.object.start_date_time).toLocaleString()} · ${(c.object.cdr_location || {}).name || who(c)}` }),
    el("p", { class: "meta", text: `${Number(c.object.total_energy || 0).toFixed(3)} kWh · ${cost(c.object.total_cost)} ${c.object.currency || ""} (by ${who(c)})` }))));
}

async function receiptPage() {
  // Our own CDRs at /app/receipts/{id}, partner CPOs' at /app/partner-receipts/{id}: one page
  const kind = location.pathname.startsWith("/app/partner-receipts/") ? "partner-receipts" : "receipts";
  const response = await call(`/app/api/${kind}/${encodeURIComponent(itemId)}`);
  const box = document.getElementById("receipt");
  if (!response.ok) { box.textContent = "This receipt is not available."; return; }
  box.innerHTML = await response.text(); // rendered and escaped by the server
  document.getElementById("download-pdf").addEventListener("click", async () => {
    const pdf = await call(`/app/api/${kind}/${encodeURIComponent(itemId)}/pdf`);
    if (!pdf.ok) { say("The PDF could not be made.", true); return; }
    const url = URL.createObjectURL(await pdf.blob());
    const link = el("a", { href: url, download: `kilowatt-receipt-${itemId}.pdf` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  });
}

// --- Payment: saved cards (Stripe.js only when the operator set a publishable key) -------

function cardItem(card) {
  const text = `${card.brand} •••• ${card.last4}` + (card.default ? " (default)" : "");
  const item = el("li", { class: "card-item", "data-card": card.id, text });
  const act = async (path, method, done) => {
    try { await json(path, { method }); say(done); await loadCards(); }
    catch (error) { say(error.message, true); }
  };
  const base = `/api/v1/driver/payment-methods/${encodeURIComponent(card.id)}`;
  if (!card.default) {
    item.append(" ", el("button", { type: "button", class: "link make-default", text: "Make default",
      onclick: () => act(`${base}/default`, "PUT", "Default card changed.") }));
  }
  item.append(" ", el("button", { type: "button", class: "link remove", text: "Remove",
    onclick: () => act(base, "DELETE", "Card removed.") }));
  return item;
}

async function loadCards() {
  const cards = await json("/api/v1/driver/payment-methods");
  const list = document.getElementById("cards");
  list.replaceChildren(...(cards.length ? cards.map(cardItem) : [el("li", { text: "No card saved yet." })]));
}

async function paymentPage() {
  if (!token()) { location.href = "/app/sign-in"; return; }
  if (!document.getElementById("cards")) return; // payments are off
  try { await loadCards(); } catch (error) { say(error.message, true); }
  const form = document.getElementById("add-card-form");
  if (!form || typeof Stripe === "undefined") return;
  const stripe = Stripe(form.dataset.stripeKey);
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const setup = await json("/api/v1/driver/cards/setup", { method: "POST" });
      const confirmed = await stripe.confirmCardSetup(setup.client_secret, { payment_method: { card } });
      if (confirmed.error) throw new Error(confirmed.error.message);
      card.clear();
      say("Card saved.");
      await loadCards();
    } catch (error) { say(error.message, true); }
  });
}

// --- Accounts ------------------------------------------------------------------------------

function formValues(form) { return Object.fromEntries(new FormData(form).entries()); }

function signInPage() {
  document.getElementById("sign-in-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const body = await json("/api/v1/driver/sign-in", { method: "POST", json: formValues(event.target) });
      localStorage.setItem(TOKEN_KEY, body.token);
      location.href = "/app/";
    } catch (error) { say(error.message, true); }
  });
}

function signUpPage() {
  document.getElementById("sign-up-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = formValues(event.target);
    if (!values.name) delete values.name;
    try {
      await json("/api/v1/driver/sign-up", { method: "POST", json: values });
      event.target.hidden = true;
      say("Account created. Open the link we emailed you to verify your address, then sign in. "
        + "(Without a mail server configured, the link is in the server log.)");
    } catch (error) { say(error.message, true); }
  });
}

async function verifyPage() {
  const link = new URLSearchParams(location.search).get("token") || "";
  const result = document.getElementById("verify-result");
  try {
    await json("/api/v1/driver/verify-email", { method: "POST", json: { token: link } });
    result.textContent = "Your email address is verified. You can sign in now.";
  } catch (error) { result.textContent = `This link does not work: ${error.message}`; }
}

function resetPasswordPage() {
  const link = new URLSearchParams(location.search).get("token");
  const form = document.getElementById(link ? "reset-form" : "reset-request-form");
  form.hidden = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = formValues(event.target);
    try {
      if (link) {
        await json("/api/v1/driver/password-reset/confirm", { method: "POST", json: { token: link, password: values.password } });
        localStorage.removeItem(TOKEN_KEY); // every session ends with a new password
        say("Your password is changed. Sign in with the new one.");
      } else {
        await json("/api/v1/driver/password-reset", { method: "POST", json: { email: values.email } });
        say("If there is an account for this address, we have emailed it a link.");
      }
      form.hidden = true;
    } catch (error) { say(`That did not work: ${error.message}`, true); }
  });
}

async function profilePage() {
  if (!token()) { location.href = "/app/sign-in"; return; }
  const show = (me) => {
    document.getElementById("profile-email").textContent = me.email;
    document.getElementById("profile-contract").textContent = me.contract_id;
    document.getElementById("name").value = me.name || "";
  };
  try { show(await json("/api/v1/driver/me")); } catch (error) { say(error.message, true); }
  vehiclesSection();
  document.getElementById("profile-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      show(await json("/api/v1/driver/me", { method: "PATCH", json: { name: formValues(event.target).name || null } }));
      say("Saved.");
    } catch (error) { say(error.message, true); }
  });
}

// --- Profile: vehicles (the API speaks W and Wh, drivers kW and kWh) ------------------------

const VEHICLES = "/api/v1/driver/vehicles";
const toKilo = (value) => (value == null ? "" : String(value / 1000));
const fromKilo = (text) => (text === "" || text == null ? null : Math.round(Number(text) * 1000));

function vehicleItem(car, edit) {
  const base = `${VEHICLES}/${encodeURIComponent(car.id)}`;
  const act = async (path, method, done) => {
    try { await json(path, { method }); say(done); await loadVehicles(edit); }
    catch (error) { say(error.message, true); }
  };
  const dc = car.max_dc_power_w ? ` · DC ${toKilo(car.max_dc_power_w)} kW` : " · no DC";
  const item = el("li", { class: "vehicle-item", "data-vehicle": car.id },
    el("h2", {}, car.name, car.is_default ? el("span", { class: "badge AVAILABLE default", text: " Default" }) : null),
    el("p", { class: "meta", text: `${car.make} ${car.model}${car.licence_plate ? ` · ${car.licence_plate}` : ""}` }),
    el("p", { class: "meta", text: `${toKilo(car.battery_wh)} kWh · AC ${toKilo(car.max_ac_power_w)} kW${dc} · ${connectorNames(car.connector_standards)}` }),
    el("button", { type: "button", class: "link edit", text: "Edit", "aria-label": `Edit ${car.name}`, onclick: () => edit(car) }));
  if (!car.is_default) {
    item.append(" ", el("button", { type: "button", class: "link make-default", text: "Make default",
      "aria-label": `Make ${car.name} the default`, onclick: () => act(`${base}/default`, "PUT", `${car.name} is your default vehicle.`) }));
  }
  item.append(" ", el("button", { type: "button", class: "link remove", text: "Remove",
    "aria-label": `Remove ${car.name}`, onclick: () => act(base, "DELETE", `${car.name} removed.`) }));
  return item;
}

async function loadVehicles(edit) {
  const cars = await json(VEHICLES);
  const list = document.getElementById("vehicles");
  list.replaceChildren(...(cars.length ? cars.map((car) => vehicleItem(car, edit)) : [el("li", { class: "empty", text: "No vehicle yet." })]));
}

function vehicleBody(form) {
  const values = new FormData(form);
  const text = (name) => (values.get(name) || "").trim();
  return {
    name: text("name"), make: text("make"), model: text("model"), licence_plate: text("licence_plate") || null,
    battery_wh: fromKilo(text("battery_kwh")), max_ac_power_w: fromKilo(text("max_ac_kw")),
    max_dc_power_w: fromKilo(text("max_dc_kw")), connector_standards: values.getAll("connector_standards"),
  };
}

function vehiclesSection() {
  const form = document.getElementById("vehicle-form");
  const editing = (car) => {
    form.reset();
    document.getElementById("vehicle-id").value = car ? car.id : "";
    document.getElementById("vehicle-form-title").textContent = car ? `Edit ${car.name}` : "Add a vehicle";
    document.getElementById("vehicle-save").textContent = car ? "Save vehicle" : "Add vehicle";
    document.getElementById("vehicle-cancel").hidden = !car;
    if (!car) return;
    const set = (id, value) => { document.getElementById(id).value = value ?? ""; };
    set("vehicle-name", car.name); set("vehicle-make", car.make); set("vehicle-model", car.model);
    set("vehicle-plate", car.licence_plate); set("vehicle-battery", toKilo(car.battery_wh));
    set("vehicle-ac", toKilo(car.max_ac_power_w)); set("vehicle-dc", toKilo(car.max_dc_power_w));
    for (const box of form.querySelectorAll("input[name=connector_standards]")) box.checked = car.connector_standards.includes(box.value);
    document.getElementById("vehicle-default").checked = car.is_default;
    form.scrollIntoView({ behavior: "smooth" });
  };
  document.getElementById("vehicle-cancel").addEventListener("click", () => editing(null));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const id = document.getElementById("vehicle-id").value;
    const makeDefault = document.getElementById("vehicle-default").checked;
    try {
      const car = id
        ? await json(`${VEHICLES}/${encodeURIComponent(id)}`, { method: "PATCH", json: vehicleBody(form) })
        : await json(VEHICLES, { method: "POST", json: { ...vehicleBody(form), is_default: makeDefault } });
      if (id && makeDefault && !car.is_default) await json(`${VEHICLES}/${encodeURIComponent(id)}/default`, { method: "PUT" });
      say(id ? `${car.name} saved.` : `${car.name} added.`);
      editing(null);
      await loadVehicles(editing);
    } catch (error) { say(error.message, true); }
  });
  loadVehicles(editing).catch((error) => say(error.message, true));
}

// --- Start --------------------------------------------------------------------------------

document.body.classList.toggle("is-signed-in", Boolean(token()));
document.getElementById("sign-out").addEventListener("click", async () => {
  await call("/api/v1/driver/sign-out", { method: "POST" }).catch(() => null);
  localStorage.removeItem(TOKEN_KEY);
  location.href = "/app/";
});
({
  find: findPage, location: locationPage, live: livePage, roaming: roamingPage, history: historyPage,
  receipt: receiptPage, payment: paymentPage, "sign-in": signInPage, "sign-up": signUpPage, verify: verifyPage,
  "reset-password": resetPasswordPage, profile: profilePage,
})[page]?.();
