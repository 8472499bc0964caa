/* Ad hoc charging without an account: the charger's public page (price, card, start) and
 * the guest's session page (live, stop, receipt). Uses app.js's helpers (loaded first).
 * The card goes from Stripe.js to Stripe only; we hand Stripe.js a SetupIntent's client
 * secret and start once Stripe says the card is saved. */
"use strict";

const ADHOC = "/app/api/adhoc";

async function chargePage() {
  const offer = document.getElementById("offer");
  const where = `${encodeURIComponent(offer.dataset.station)}/${encodeURIComponent(offer.dataset.evse)}`;
  let found;
  try {
    found = await json(`${ADHOC}/evses/${where}`);
  } catch (error) { say(error.message, true); return; }
  document.getElementById("evse-name").textContent = found.evse_code || `${found.station_id} · ${found.evse_id}`;
  document.getElementById("adhoc-price").textContent = priceText(found.prices);
  const stripeKey = offer.dataset.stripeKey;
  if (!found.card_payment || !stripeKey || typeof Stripe === "undefined") {
    document.getElementById("no-card").hidden = false;
    return;
  }
  const stripe = Stripe(stripeKey);
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  const form = document.getElementById("card-form");
  form.hidden = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = document.getElementById("pay-and-start");
    button.disabled = true;
    try {
      const email = new FormData(form).get("email") || null;
      const guest = await json(`${ADHOC}/evses/${where}/guests`, { method: "POST", json: { email } });
      const confirmed = await stripe.confirmCardSetup(guest.client_secret, { payment_method: { card } });
      if (confirmed.error) throw new Error(confirmed.error.message);
      say("Card accepted. Asking the station to start…");
      const answer = await json(`${ADHOC}/guests/${encodeURIComponent(guest.secret)}/start`, { method: "POST" });
      if (answer.status !== "Accepted") throw new Error(`The station said: ${answer.status}`);
      location.href = `/app/guest/${encodeURIComponent(guest.secret)}`;
    } catch (error) { say(error.message, true); button.disabled = false; }
  });
}

function showSession(session) {
  document.getElementById("live-status").textContent = session.status;
  document.getElementById("live-energy").textContent = Number(session.kwh).toFixed(3);
  document.getElementById("live-power").textContent = session.power_w == null ? "–" : (session.power_w / 1000).toFixed(1);
  const cost = session.total_cost || { excl_vat: 0 };
  document.getElementById("live-cost").textContent = Number(cost.incl_vat ?? cost.excl_vat).toFixed(2);
  document.getElementById("live-currency").textContent = session.currency;
  const end = session.end_date_time ? new Date(session.end_date_time) : new Date();
  document.getElementById("live-duration").textContent = duration((end - new Date(session.start_date_time)) / 1000);
}

async function guestReceipt(base) {
  // the receipt comes with the CDR; what the card paid follows once the capture is done
  for (let attempt = 0; attempt < 60; attempt += 1) {
    const response = await call(`${base}/receipt`);
    if (response.ok) {
      document.getElementById("receipt").innerHTML = await response.text(); // escaped by the server
      document.getElementById("receipt-pdf").href = `${base}/receipt/pdf`;
      document.getElementById("guest-receipt").hidden = false;
      if (document.getElementById("paid-captured")) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function guestPage() {
  const base = `${ADHOC}/guests/${encodeURIComponent(itemId)}`;
  let latest = null;
  const stop = document.getElementById("stop");
  stop.addEventListener("click", async () => {
    stop.disabled = true;
    try { await json(`${base}/stop`, { method: "POST" }); say("Stopping…"); }
    catch (error) { say(error.message, true); stop.disabled = false; }
  });
  document.getElementById("mail-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await json(`${base}/receipt/mail`, { method: "POST", json: formValues(event.target) });
      say("The receipt is on its way.");
    } catch (error) { say(error.message, true); }
  });
  for (let attempt = 0; attempt < 600 && (!latest || latest.status === "ACTIVE"); attempt += 1) {
    try {
      await readEvents(`${base}/live`, (session) => { latest = session; showSession(session); });
    } catch (error) { if (latest) say(error.message, true); }
    if (!latest || latest.status === "ACTIVE") await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  stop.hidden = true;
  say("Charging has ended.");
  await guestReceipt(base);
}

({ charge: chargePage, guest: guestPage })[page]?.();
