// Security keys in the account pages: the browser's WebAuthn ceremonies against Wharf's JSON API.
// Loaded only by pages with a [data-webauthn] section; everything else works without JavaScript.
"use strict";

async function callApi(method, path, body) {
  const response = await fetch(path, {
    method: method,
    credentials: "same-origin",
    headers: body === undefined ? {} : {"Content-Type": "application/json"},
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = response.status === 204 ? {} : await response.json();
  if (!response.ok) {
    throw new Error(answer.detail || "the request failed (" + response.status + ")");
  }
  return answer;
}

function announce(section, message) {
  const region = section.querySelector("[data-webauthn-message]");
  region.textContent = message;
  region.hidden = false;
  region.focus();
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
  } else {
    announce(section, error.message);
  }
}

async function register(section, form) {
  const label = form.querySelector("[name=label]").value.trim();
  if (!label) {
    announce(section, "Give the key a label first (at most 64 characters).");
    return;
  }
  const options = await callApi("POST", "/api/account/webauthn/begin");
  const credential = await navigator.credentials.create(
    {publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options.publicKey)});
  const added = await callApi("POST", "/api/account/webauthn/complete",
                              {label: label, credential: credential.toJSON()});
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

const ACTIONS = {register: register, rename: rename, remove: remove, login: logIn};

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
});
