// Security keys in the account pages: the browser's WebAuthn ceremonies against Wharf's JSON API.
// Loaded only by pages with a [data-webauthn] section; everything else works without JavaScript.
"use strict";

const LABEL_LENGTH = 64;

// A refusal of the JSON API: its problem document's status, code and detail.
class Refusal extends Error {
  constructor(status, answer) {
    super(answer.detail || "the request failed (" + status + ")");
    this.status = status;
    this.code = answer.code;
  }
}

async function callApi(method, path, body) {
  const response = await fetch(path, {
    method: method,
    credentials: "same-origin",
    headers: body === undefined ? {} : {"Content-Type": "application/json"},
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = response.status === 204 ? {} : await response.json();
  if (!response.ok) {
    throw new Refusal(response.status, answer);
  }
  return answer;
}

// The page's words for an API refusal: the section's data-said table (rendered from the
// server's one table of page wording) by code, else the API's detail as a sentence.
function said(section, error) {
  const table = JSON.parse(section.dataset.said || "{}");
  return table[error.code] || sentence(error.message);
}

function sentence(text) {
  text = (text || "").trim();
  if (!text) {
    return "Something went wrong. Try again.";
  }
  text = text[0].toUpperCase() + text.slice(1);
  return /[.!?]$/.test(text) ? text : text + ".";
}

// Show a message in the section's alert and move the focus to it; `link` = [text, href].
function announce(section, message, link) {
  const region = section.querySelector("[data-webauthn-message]");
  region.textContent = message;
  if (link) {
    const anchor = document.createElement("a");
    anchor.textContent = link[0];
    anchor.href = link[1];
    region.append(" ", anchor);
  }
  region.hidden = false;
  region.focus();
}

// Mark a control as wrong: its message under its label, aria-invalid, and the focus on it.
function markField(input, message) {
  const error = document.getElementById(input.id + "-error");
  error.textContent = message;
  error.hidden = false;
  input.setAttribute("aria-invalid", "true");
  input.setAttribute("aria-describedby", input.id + "-hint " + error.id);
  input.focus();
}

function clearField(input) {
  const error = document.getElementById(input.id + "-error");
  error.hidden = true;
  input.removeAttribute("aria-invalid");
  input.setAttribute("aria-describedby", input.id + "-hint");
}

function supported(section) {
  if (window.PublicKeyCredential && PublicKeyCredential.parseCreationOptionsFromJSON) {
    return true;
  }
  announce(section, "This browser cannot use security keys here; try a current Chrome, Edge or Firefox.");
  return false;
}

function failed(section, error) {
  if (error.name === "NotAllowedError") {
    announce(section, "The security key request was cancelled or timed out. Try again.");
  } else if (error.name === "InvalidStateError") {
    announce(section, "This security key is already registered to your account.");
  } else if (error.code === "reauthentication_required") {
    announce(section, said(section, error), ["Confirm your password", "/account#password"]);
  } else {
    announce(section, said(section, error));
  }
}

async function register(section, form) {
  const input = form.querySelector("[name=label]");
  const label = input.value.trim();
  clearField(input);
  if (!label || label.length > LABEL_LENGTH) {
    markField(input, "Give the key a label of 1 to " + LABEL_LENGTH + " characters.");
    return;
  }
  // The server checks the label before the key is asked, so a refused label leaves no
  // unused credential on the key.
  const passkey = form.querySelector("[name=passkey]").checked;
  let options;
  try {
    options = await callApi("POST", "/api/account/webauthn/begin",
                            {label: label, passkey: passkey});
  } catch (error) {
    if (error.status === 400 || error.status === 409) {
      markField(input, said(section, error));
      return;
    }
    throw error;
  }
  let credential;
  try {
    credential = await navigator.credentials.create(
      {publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options.publicKey)});
  } catch (error) {
    if (passkey && error.name === "NotAllowedError") {
      announce(section, "No passkey was made: the request was cancelled or timed out, or this" +
               " key cannot check a PIN, fingerprint or face. Try again, or add it as a" +
               " security key.");
      return;
    }
    throw error;
  }
  const added = await callApi("POST", "/api/account/webauthn/complete",
                              {label: label, credential: credential.toJSON(), passkey: passkey});
  if (added.recovery_codes.length) {
    showRecoveryCodes(section, added.recovery_codes);
  } else {
    window.location.assign("/account?done=security-key-added");
  }
}

function showRecoveryCodes(section, codes) {
  const panel = section.querySelector("[data-webauthn-recovery-codes]");
  const list = panel.querySelector("ol");
  for (const code of codes) {
    const item = document.createElement("li");
    item.textContent = code;
    list.appendChild(item);
  }
  panel.hidden = false;
  panel.querySelector("h3").focus();
}

async function rename(section, form) {
  const label = form.querySelector("[name=label]").value.trim();
  await callApi("PATCH", "/api/account/webauthn/" + form.dataset.keyId, {label: label});
  window.location.assign("/account?done=security-key-renamed");
}

async function remove(section, form) {
  const question = "Remove the security key \u201c" + form.dataset.keyLabel + "\u201d? You can" +
                   " no longer log in with it, and every other session of yours is logged out.";
  if (!window.confirm(question)) {
    return;
  }
  await callApi("DELETE", "/api/account/webauthn/" + form.dataset.keyId);
  window.location.assign("/account?done=security-key-removed");
}

async function logIn(section, form) {
  const ticket = form.querySelector("[name=ticket]").value;
  const options = await callApi("POST", "/api/session/webauthn/begin", {ticket: ticket});
  const credential = await navigator.credentials.get(
    {publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options.publicKey)});
  await callApi("POST", "/api/session/webauthn/complete",
                {ticket: ticket, credential: credential.toJSON()});
  window.location.assign("/account");
}

// A passkey: options naming no credential, the browser offers this site's passkeys. The
// autofill request (conditional mediation) waits in the background until the button asks.
let waiting = null;

async function passkeyLogIn(section, mediation) {
  if (waiting) {
    waiting.abort();
  }
  const controller = new AbortController();
  waiting = mediation === "conditional" ? controller : null;
  const started = await callApi("POST", "/api/session/passkey/begin");
  const credential = await navigator.credentials.get({
    mediation: mediation, signal: controller.signal,
    publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(started.publicKey)});
  await callApi("POST", "/api/session/passkey/complete",
                {ceremony: started.ceremony, credential: credential.toJSON()});
  window.location.assign("/account");
}

async function offerPasskeys(section) {
  if (window.PublicKeyCredential && PublicKeyCredential.isConditionalMediationAvailable &&
      await PublicKeyCredential.isConditionalMediationAvailable()) {
    passkeyLogIn(section, "conditional").catch(function (error) {
      if (error.name !== "AbortError") {
        failed(section, error);
      }
    });
  }
}

const ACTIONS = {register: register, rename: rename, remove: remove, login: logIn,
                 passkey: function (section) { return passkeyLogIn(section, "optional"); }};

document.querySelectorAll("[data-webauthn]").forEach(function (section) {
  section.querySelectorAll("[data-webauthn-needs-script]").forEach(function (element) {
    element.hidden = true;
  });
  section.querySelectorAll("form[data-webauthn-action]").forEach(function (form) {
    form.hidden = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!supported(section)) {
        return;
      }
      const button = form.querySelector("button");
      button.disabled = true;
      ACTIONS[form.dataset.webauthnAction](section, form)
        .catch(function (error) { failed(section, error); })
        .finally(function () { button.disabled = false; });
    });
  });
  if (section.hasAttribute("data-webauthn-autofill")) {
    offerPasskeys(section);
  }
});
