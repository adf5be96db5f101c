// The console's only script (progressive: every page works without it). Keyboard work through
// lists (j / k, Enter), a question before irreversible changes (forms with data-confirm), and no
// double submits.
const list = document.querySelector("[data-keyboard-list] tbody");
if (list) {
  const rows = Array.from(list.querySelectorAll("tr"));
  let current = -1;
  const select = (index) => {
    if (rows.length === 0) return;
    rows[current]?.classList.remove("selected");
    current = Math.max(0, Math.min(rows.length - 1, index));
    rows[current].classList.add("selected");
    rows[current].scrollIntoView({ block: "nearest" });
  };
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (
      target instanceof HTMLInputElement ||
      target instanceof HTMLTextAreaElement ||
      target instanceof HTMLSelectElement
    )
      return;
    if (event.metaKey || event.ctrlKey || event.altKey) return;
    if (event.key === "j") select(current + 1);
    else if (event.key === "k") select(current - 1);
    else if (event.key === "Enter" && current >= 0) rows[current].querySelector("a")?.click();
  });
}

for (const form of document.querySelectorAll("form")) {
  form.addEventListener("submit", (event) => {
    const question = form.dataset.confirm;
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    if (form.method.toLowerCase() === "post") {
      for (const button of form.querySelectorAll("button")) {
        // Disabled after the browser has taken the pressed button's value.
        setTimeout(() => (button.disabled = true), 0);
      }
    }
  });
}

// Canned answers: choosing one puts its text into the reply, to be edited before sending.
for (const select of document.querySelectorAll("select[data-canned-for]")) {
  select.addEventListener("change", () => {
    const target = document.getElementById(select.dataset.cannedFor);
    if (target && select.value) {
      target.value = select.value;
      target.focus();
    }
    select.value = "";
  });
}

// Live regions (conversations): when the conversations' version changes, fetch this page again
// and swap only the [data-live] regions, so a reply being typed is never lost. The version is pushed
// (server-sent events, /console/conversations/events); when the server cannot push (503) or the
// browser has no EventSource, the page polls the cheap version endpoint instead.
const live = document.querySelectorAll("[data-live][id]");
if (live.length > 0) {
  let version = live[0].dataset.liveVersion;
  const every = Number(live[0].dataset.livePoll) || 1000;
  let wanted = version;
  let refreshing = false;
  const refresh = async (latest) => {
    wanted = latest;
    if (refreshing) return; // the running refresh looks at `wanted` again when it ends
    refreshing = true;
    try {
      while (wanted !== version) {
        const target = wanted;
        const page = await fetch(window.location.href, { headers: { accept: "text/html" } });
        if (!page.ok) break;
        const doc = new DOMParser().parseFromString(await page.text(), "text/html");
        for (const region of document.querySelectorAll("[data-live][id]")) {
          const fresh = doc.getElementById(region.id);
          if (fresh) region.replaceWith(fresh);
        }
        version = target;
      }
    } catch {
      // Offline for a moment: the next version tries again.
    } finally {
      refreshing = false;
    }
  };
  const tick = async () => {
    try {
      const answer = await fetch("/console/conversations/version", {
        headers: { accept: "application/json" },
      });
      if (answer.ok) await refresh((await answer.json()).version);
    } catch {
      // Offline for a moment: the next tick tries again.
    }
    setTimeout(tick, every);
  };
  let polling = false;
  const poll = () => {
    if (polling) return;
    polling = true;
    setTimeout(tick, every);
  };
  if ("EventSource" in window) {
    const events = new EventSource("/console/conversations/events");
    events.addEventListener("message", (event) => void refresh(event.data));
    // A refused stream (503: no push on this instance) closes for good: poll instead. A dropped one
    // reconnects by itself.
    events.addEventListener("error", () => {
      if (events.readyState === EventSource.CLOSED) poll();
    });
  } else {
    poll();
  }
}

// A photo with the reply: the script posts the file itself (the form's own post carries text only).
for (const input of document.querySelectorAll("input[data-photo-to]")) {
  const form = input.closest("form");
  const caption = document.getElementById(input.dataset.photoText);
  if (!form) continue;
  if (caption) input.addEventListener("change", () => (caption.required = input.files.length === 0));
  form.addEventListener("submit", async (event) => {
    const file = input.files[0];
    if (!file) return;
    event.preventDefault();
    const csrf = form.querySelector('input[name="_csrf"]')?.value ?? "";
    const text = encodeURIComponent(caption?.value ?? "");
    const answer = await fetch(`${input.dataset.photoTo}?text=${text}`, {
      method: "POST",
      headers: { "content-type": file.type, "x-csrf-token": csrf },
      body: file,
    });
    window.location.href = answer.ok ? answer.url : window.location.href;
  });
}
