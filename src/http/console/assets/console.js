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
