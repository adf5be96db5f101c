// The web chat page's behaviour: keeps a random client id and the conversation in localStorage (so a
// reload continues where it was), sends events to POST /web/api/events, draws the engine's replies
// as bubbles and its choices as a messenger-like keyboard, and listens on GET /web/api/stream for
// notifications. Plain browser JavaScript, no build step. Bot texts come from the server; only the
// page's own chrome (placeholders, labels) is translated here.

const STORE_KEY = "dnipro-web-chat:v1";
const TOKEN_KEY = "dnipro-web-chat:token";
const HISTORY_LIMIT = 300;
const MAX_PHOTO_BYTES = 512 * 1024;

/** The page's own catalogue: Ukrainian first, English second. */
const CHROME = {
  uk: {
    documentTitle: "Дніпровські електромережі — чат",
    title: "Дніпровські електромережі",
    subtitle: "чат-бот · веб-версія",
    placeholder: "Повідомлення…",
    send: "Надіслати",
    attachPhoto: "Надіслати фото",
    switchLanguage: "English",
    switchLanguageShort: "EN",
    newChat: "Нова розмова",
    newChatTitle: "Почати нову розмову (з новим ідентифікатором)",
    newChatConfirm: "Почати нову розмову? Ця розмова зникне з цього браузера.",
    sharePhoneHint: "замінник кнопки месенджера «Поділитися номером»",
    phoneTitle: "Ваш номер телефону",
    phonePlaceholder: "+380 67 123 45 67",
    phoneNote:
      "Це замінник кнопки месенджера: номер, введений тут, ніхто не підтверджує, тож бот може попросити додаткову перевірку.",
    phoneSend: "Надіслати номер",
    phoneInvalid: "Введіть номер телефону, наприклад +380 67 123 45 67.",
    cancel: "Скасувати",
    photoLabel: "📷 Фото",
    photoTooLarge: "Фото завелике навіть після стиснення. Спробуйте інше.",
    photoUnreadable: "Не вдалося прочитати це зображення.",
    offline: "Немає зв’язку із сервером. Пробуємо ще раз…",
    failed: "Не вдалося надіслати. Спробуйте ще раз.",
    unauthorized: "Цей чат відкривається лише за посиланням із токеном доступу (…/?token=…).",
    rateLimited: "Забагато повідомлень поспіль. Зачекайте хвилину.",
    botLanguageTip: "Мову відповідей бота можна змінити в його меню: ⚙️ Налаштування → 🌐 Мова / Language.",
    typing: "• • •",
    keyboardLabel: "Кнопки відповіді",
  },
  en: {
    documentTitle: "Dnipro Electric Networks — chat",
    title: "Dnipro Electric Networks",
    subtitle: "chat bot · web version",
    placeholder: "Message…",
    send: "Send",
    attachPhoto: "Send a photo",
    switchLanguage: "Українська",
    switchLanguageShort: "UK",
    newChat: "New chat",
    newChatTitle: "Start a new conversation (with a new id)",
    newChatConfirm: "Start a new conversation? This one will be gone from this browser.",
    sharePhoneHint: "stand-in for the messenger's “Share phone” button",
    phoneTitle: "Your phone number",
    phonePlaceholder: "+380 67 123 45 67",
    phoneNote:
      "This stands in for the messenger's button: a number typed here is not confirmed by anyone, so the bot may ask for an extra check.",
    phoneSend: "Send number",
    phoneInvalid: "Enter a phone number, e.g. +380 67 123 45 67.",
    cancel: "Cancel",
    photoLabel: "📷 Photo",
    photoTooLarge: "The photo is too large even after compressing. Try another one.",
    photoUnreadable: "Could not read this image.",
    offline: "No connection to the server. Retrying…",
    failed: "Could not send. Please try again.",
    unauthorized: "This chat opens only through a link with an access token (…/?token=…).",
    rateLimited: "Too many messages in a row. Please wait a minute.",
    botLanguageTip:
      "The bot's own language is set in its menu: ⚙️ Налаштування (Settings) → 🌐 Мова / Language.",
    typing: "• • •",
    keyboardLabel: "Reply buttons",
  },
};

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const elements = {
  messages: $("messages"),
  keyboard: $("keyboard"),
  notice: $("notice"),
  composer: /** @type {HTMLFormElement} */ ($("composer")),
  textInput: /** @type {HTMLInputElement} */ ($("text-input")),
  sendButton: /** @type {HTMLButtonElement} */ ($("send-button")),
  photoInput: /** @type {HTMLInputElement} */ ($("photo-input")),
  phonePanel: /** @type {HTMLFormElement} */ ($("phone-panel")),
  phoneInput: /** @type {HTMLInputElement} */ ($("phone-input")),
  phoneCancel: $("phone-cancel"),
  languageSwitch: $("language-switch"),
  newChat: $("new-chat"),
};

// ---------------------------------------------------------------- stored state

function randomId(bytes) {
  const buffer = new Uint8Array(bytes);
  crypto.getRandomValues(buffer);
  return btoa(String.fromCharCode(...buffer))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

function freshState() {
  return {
    clientId: randomId(24), // 32 url-safe characters: this id is the key to the conversation
    history: [], // { from: "me" | "bot", text, at, choices?, pushed? }
    keyboard: { choices: [], requestPhone: null },
    lastPushId: 0,
    uiLanguage: null, // set when the person uses the switch
    engineLanguage: null, // the bot's language for this conversation, from the last answer
    started: false,
  };
}

function loadState() {
  try {
    const stored = JSON.parse(localStorage.getItem(STORE_KEY) ?? "null");
    if (stored && typeof stored.clientId === "string" && /^[A-Za-z0-9_-]{16,64}$/.test(stored.clientId)) {
      return { ...freshState(), ...stored };
    }
  } catch {
    // Unreadable storage: start over rather than break the page.
  }
  return freshState();
}

let state = loadState();
function saveState() {
  state.history = state.history.slice(-HISTORY_LIMIT);
  localStorage.setItem(STORE_KEY, JSON.stringify(state));
}

// An access token arrives once as ?token=...; keep it and take it out of the address bar.
(() => {
  const url = new URL(location.href);
  const token = url.searchParams.get("token");
  if (token) {
    localStorage.setItem(TOKEN_KEY, token);
    url.searchParams.delete("token");
    history.replaceState(null, "", url.pathname + url.search + url.hash);
  }
})();
const accessToken = () => localStorage.getItem(TOKEN_KEY);

// A deep link (/?start=<payload>: the same payloads as t.me/<bot>?start= and Viber's context) opens
// its journey once; the parameter leaves the address bar so a reload does not repeat it.
const deepLink = (() => {
  const url = new URL(location.href);
  const payload = url.searchParams.get("start");
  if (payload === null) return null;
  url.searchParams.delete("start");
  history.replaceState(null, "", url.pathname + url.search + url.hash);
  return /^[A-Za-z0-9_-]{1,64}$/.test(payload) ? payload : null;
})();

// ---------------------------------------------------------------- language

function browserLanguage() {
  for (const tag of navigator.languages ?? [navigator.language]) {
    const code = String(tag).toLowerCase();
    if (code.startsWith("uk")) return "uk";
    if (code.startsWith("en")) return "en";
  }
  return "uk"; // Ukrainian is the default of every customer-facing text
}
// The page follows its switch if used, else the bot's language (Settings in the bot), else the browser.
const language = () => state.uiLanguage ?? state.engineLanguage ?? browserLanguage();
const t = (key) => CHROME[language()][key] ?? CHROME.uk[key];

function applyChrome() {
  document.documentElement.lang = language();
  document.title = t("documentTitle");
  for (const node of document.querySelectorAll("[data-text]")) node.textContent = t(node.dataset.text);
  for (const node of document.querySelectorAll("[data-placeholder]"))
    node.placeholder = t(node.dataset.placeholder);
  for (const node of document.querySelectorAll("[data-label]"))
    node.setAttribute("aria-label", t(node.dataset.label));
  for (const node of document.querySelectorAll("[data-text-title]")) node.title = t(node.dataset.textTitle);
  elements.languageSwitch.textContent = t("switchLanguageShort");
  elements.languageSwitch.title = t("switchLanguage");
  renderKeyboard();
}

// ---------------------------------------------------------------- drawing

function timeLabel(at) {
  return new Date(at).toLocaleTimeString(language() === "uk" ? "uk-UA" : "en-GB", {
    hour: "2-digit",
    minute: "2-digit",
  });
}

function drawMessage(entry) {
  const wrapper = document.createElement("div");
  wrapper.className = `message ${entry.from}${entry.pushed ? " pushed" : ""}`;
  const bubble = document.createElement("div");
  bubble.className = "bubble";
  if (entry.picture) {
    // A schedule picture or an operator's photo, served by the service itself.
    const image = document.createElement("img");
    image.className = "picture";
    image.src = entry.picture.url;
    image.alt = entry.picture.alt;
    image.addEventListener("load", scrollToEnd, { once: true });
    bubble.append(image);
  }
  bubble.append(document.createTextNode(entry.text));
  const time = document.createElement("time");
  time.textContent = timeLabel(entry.at);
  bubble.append(time);
  wrapper.append(bubble);
  // Buttons that belong to one message (notifications) stay under it, like inline keyboards.
  if (entry.choices && entry.choices.length > 0) {
    const inline = document.createElement("div");
    inline.className = "inline-buttons";
    for (const row of entry.choices) {
      const rowNode = document.createElement("div");
      rowNode.className = "row";
      for (const choice of row) rowNode.append(choiceButton(choice));
      inline.append(rowNode);
    }
    wrapper.append(inline);
  }
  elements.messages.append(wrapper);
}

function scrollToEnd() {
  elements.messages.scrollTop = elements.messages.scrollHeight;
}

function redrawHistory() {
  elements.messages.replaceChildren();
  for (const entry of state.history) drawMessage(entry);
  scrollToEnd();
}

function addEntry(entry) {
  state.history.push(entry);
  saveState();
  drawMessage(entry);
  scrollToEnd();
}

function choiceButton(choice) {
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = choice.label;
  button.dataset.choiceId = choice.id;
  button.addEventListener("click", () => {
    void sendEvent({ type: "choice", id: choice.id }, choice.label);
  });
  return button;
}

function renderKeyboard() {
  const { choices, requestPhone } = state.keyboard;
  const nodes = [];
  if (requestPhone) {
    const row = document.createElement("div");
    row.className = "row";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "share-phone";
    button.id = "share-phone";
    const label = document.createElement("span");
    label.textContent = requestPhone.label;
    const hint = document.createElement("small");
    hint.textContent = `(${t("sharePhoneHint")})`;
    button.append(label, hint);
    button.addEventListener("click", openPhonePanel);
    row.append(button);
    nodes.push(row);
  }
  for (const choiceRow of choices ?? []) {
    const row = document.createElement("div");
    row.className = "row";
    for (const choice of choiceRow) row.append(choiceButton(choice));
    nodes.push(row);
  }
  elements.keyboard.replaceChildren(...nodes);
  setBusy(busy);
}

/** A message that is not attached to one bubble replaces the keyboard, as a messenger's would. */
function applyKeyboardFrom(message) {
  if (message.attached) return;
  state.keyboard = {
    choices: message.removeKeyboard ? [] : (message.choices ?? []),
    requestPhone: message.removeKeyboard ? null : (message.requestPhone ?? null),
  };
}

function showBotMessages(messages, pushed) {
  for (const message of messages) {
    addEntry({
      from: "bot",
      text: message.text,
      at: Date.now(),
      ...(message.attached && message.choices ? { choices: message.choices } : {}),
      ...(message.picture ? { picture: message.picture } : {}),
      ...(pushed ? { pushed: true } : {}),
    });
    applyKeyboardFrom(message);
  }
  saveState();
  renderKeyboard();
}

let noticeTimer;
function showNotice(text, { sticky = false } = {}) {
  clearTimeout(noticeTimer);
  elements.notice.textContent = text;
  elements.notice.hidden = false;
  if (!sticky) noticeTimer = setTimeout(() => (elements.notice.hidden = true), 6000);
}
function hideNotice() {
  clearTimeout(noticeTimer);
  elements.notice.hidden = true;
}

let busy = false;
function setBusy(value) {
  busy = value;
  for (const button of elements.keyboard.querySelectorAll("button")) button.disabled = value;
  elements.sendButton.disabled = value;
}

let typingNode = null;
function showTyping(on) {
  if (on && !typingNode) {
    typingNode = document.createElement("div");
    typingNode.className = "message bot typing";
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    bubble.textContent = t("typing");
    typingNode.append(bubble);
    elements.messages.append(typingNode);
    scrollToEnd();
  } else if (!on && typingNode) {
    typingNode.remove();
    typingNode = null;
  }
}

// ---------------------------------------------------------------- talking to the server

function headers() {
  const result = { "content-type": "application/json" };
  const token = accessToken();
  if (token) result["x-web-chat-token"] = token;
  return result;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends one event. A network failure or 503 is retried with the SAME event id, so the server
 * handles it at most once however many times the request is repeated.
 */
async function sendEvent(event, echoText) {
  if (busy) return false;
  setBusy(true);
  if (echoText) addEntry({ from: "me", text: echoText, at: Date.now() });
  showTyping(true);
  const body = JSON.stringify({
    clientId: state.clientId,
    eventId: randomId(16),
    language: language(),
    event,
  });
  try {
    for (let attempt = 0; attempt < 6; attempt += 1) {
      let response;
      try {
        response = await fetch("/web/api/events", { method: "POST", headers: headers(), body });
      } catch {
        response = null;
      }
      if (response && response.ok) {
        hideNotice();
        const result = await response.json();
        state.started = true;
        if (result.language === "uk" || result.language === "en") {
          const changed = state.engineLanguage !== result.language;
          state.engineLanguage = result.language;
          if (changed && !state.uiLanguage) applyChrome();
        }
        showTyping(false);
        showBotMessages(result.messages ?? [], false);
        return true;
      }
      if (response && response.status === 401) {
        showNotice(t("unauthorized"), { sticky: true });
        return false;
      }
      if (response && response.status === 429) {
        showNotice(t("rateLimited"));
        return false;
      }
      if (response && response.status >= 400 && response.status < 500) {
        showNotice(t("failed"));
        return false;
      }
      showNotice(t("offline"), { sticky: true });
      await sleep(Math.min(1000 * 2 ** attempt, 8000));
    }
    showNotice(t("failed"));
    return false;
  } finally {
    showTyping(false);
    setBusy(false);
  }
}

let stream = null;
function openStream() {
  stream?.close();
  const params = new URLSearchParams({ clientId: state.clientId, after: String(state.lastPushId) });
  const token = accessToken();
  if (token) params.set("token", token);
  stream = new EventSource(`/web/api/stream?${params}`);
  stream.addEventListener("message", (event) => {
    const id = Number(event.lastEventId);
    if (Number.isFinite(id) && id <= state.lastPushId) return; // already shown (stream replays after a drop)
    const message = JSON.parse(event.data);
    if (Number.isFinite(id)) state.lastPushId = id;
    showBotMessages([message], true);
  });
  stream.addEventListener("error", () => {
    // EventSource retries dropped connections itself, but gives up on an error status (503 while
    // the database is down, 429): try again a little later.
    if (stream.readyState === EventSource.CLOSED) setTimeout(openStream, 5000);
  });
}

// ---------------------------------------------------------------- phone and photo

function openPhonePanel() {
  elements.phonePanel.hidden = false;
  elements.keyboard.hidden = true;
  elements.composer.hidden = true;
  elements.phoneInput.value = "";
  elements.phoneInput.focus();
}
function closePhonePanel() {
  elements.phonePanel.hidden = true;
  elements.keyboard.hidden = false;
  elements.composer.hidden = false;
}

elements.phoneCancel.addEventListener("click", closePhonePanel);
elements.phonePanel.addEventListener("submit", (event) => {
  event.preventDefault();
  const phone = elements.phoneInput.value.trim();
  if (!/^\+?[0-9 ()-]{7,24}$/.test(phone)) {
    showNotice(t("phoneInvalid"));
    return;
  }
  closePhonePanel();
  void sendEvent({ type: "contact", phone }, `📱 ${phone}`);
});

/** Downscales a picture in the browser so uploads stay small (the server takes at most 512 KB). */
async function compressImage(file) {
  const bitmap = await createImageBitmap(file);
  for (const [maxSide, quality] of [
    [1280, 0.82],
    [1024, 0.7],
    [800, 0.6],
  ]) {
    const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", quality));
    if (blob && blob.size <= MAX_PHOTO_BYTES) return blob;
  }
  return null;
}

function toBase64(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(",")[1] ?? "");
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

elements.photoInput.addEventListener("change", async () => {
  const file = elements.photoInput.files?.[0];
  elements.photoInput.value = "";
  if (!file) return;
  let blob;
  try {
    blob = await compressImage(file);
  } catch {
    showNotice(t("photoUnreadable"));
    return;
  }
  if (!blob) {
    showNotice(t("photoTooLarge"));
    return;
  }
  const caption = elements.textInput.value.trim();
  elements.textInput.value = "";
  const event = { type: "photo", mimeType: "image/jpeg", dataBase64: await toBase64(blob) };
  if (caption) event.caption = caption;
  void sendEvent(event, caption ? `${t("photoLabel")}: ${caption}` : t("photoLabel"));
});

// ---------------------------------------------------------------- composer and header

elements.composer.addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = elements.textInput.value.trim();
  if (!text || busy) return;
  elements.textInput.value = "";
  const sent = await sendEvent({ type: "text", text }, text);
  if (!sent && !elements.textInput.value) elements.textInput.value = text; // nothing typed is lost
});

elements.languageSwitch.addEventListener("click", () => {
  state.uiLanguage = language() === "uk" ? "en" : "uk";
  saveState();
  applyChrome();
  redrawHistory();
  // The switch changes the page; the bot keeps the language chosen in its own settings.
  if (state.engineLanguage && state.engineLanguage !== state.uiLanguage) showNotice(t("botLanguageTip"));
});

elements.newChat.addEventListener("click", () => {
  if (!confirm(t("newChatConfirm"))) return;
  const uiLanguage = state.uiLanguage;
  state = { ...freshState(), uiLanguage };
  saveState();
  redrawHistory();
  renderKeyboard();
  openStream();
  void sendEvent({ type: "start" }, "/start");
});

// ---------------------------------------------------------------- start

applyChrome();
redrawHistory();
openStream();
if (deepLink) void sendEvent({ type: "start", payload: deepLink }, null);
else if (!state.started) void sendEvent({ type: "start" }, null);
