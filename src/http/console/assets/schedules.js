// The schedule editor's script (progressive: without it the periods fields are the editor). A click
// on a half-hour cell cycles it on -> off -> maybe -> on; dragging paints the state of the first
// cell over the others. The queue's periods field is rewritten from the cells, and typing periods
// redraws the cells, so the form posts the same text either way.
const form = document.querySelector("[data-schedule-editor]");
if (form && form.querySelector("input[name^='q.']")) {
  form.classList.add("editable");
  const NEXT = { on: "off", off: "maybe", maybe: "on" };
  const stateOf = (cell) =>
    cell.classList.contains("s-off") ? "off" : cell.classList.contains("s-maybe") ? "maybe" : "on";
  const paint = (cell, state) => {
    cell.classList.remove("s-on", "s-off", "s-maybe", "s-none");
    cell.classList.add(`s-${state}`);
  };
  const time = (slot) => `${String(Math.floor(slot / 2)).padStart(2, "0")}:${slot % 2 ? "30" : "00"}`;

  const rowText = (row) => {
    const cells = Array.from(row.querySelectorAll("td.cell"));
    const periods = [];
    let start = 0;
    for (let slot = 1; slot <= cells.length; slot++) {
      const state = stateOf(cells[start]);
      if (slot < cells.length && stateOf(cells[slot]) === state) continue;
      if (state !== "on") periods.push(`${time(start)}-${time(slot)}${state === "maybe" ? "?" : ""}`);
      start = slot;
    }
    return periods.join(", ");
  };

  /** "08:00-12:30, 18:00-20:00?" -> 48 states, or null while it cannot be read. */
  const parse = (text) => {
    const states = Array.from({ length: 48 }, () => "on");
    for (const item of text
      .split(/[,;\n]+/)
      .map((s) => s.trim())
      .filter(Boolean)) {
      const m = /^(\d{1,2}):(00|30)\s*[-–—]\s*(\d{1,2}):(00|30)\s*(\?)?$/.exec(item);
      if (!m) return null;
      const from = Number(m[1]) * 2 + (m[2] === "30" ? 1 : 0);
      const to = Number(m[3]) * 2 + (m[4] === "30" ? 1 : 0);
      if (to <= from || to > 48) return null;
      for (let slot = from; slot < to; slot++) states[slot] = m[5] ? "maybe" : "off";
    }
    return states;
  };

  // The customers' picture follows the previewed queue's edits (drawn by the server).
  const picture = document.querySelector("img[data-schedule-preview]");
  let redraw = 0;
  const previewRow = (row) => {
    if (!picture || row.dataset.queue !== picture.dataset.schedulePreview) return;
    window.clearTimeout(redraw);
    redraw = window.setTimeout(() => {
      const periods = row.querySelector("input[name^='q.']").value;
      picture.src = `${picture.src.split("?")[0]}?periods=${encodeURIComponent(periods)}`;
    }, 300);
  };

  let painting = null;
  const apply = (cell) => {
    paint(cell, painting.state);
    const row = cell.closest("tr");
    row.querySelector("input[name^='q.']").value = rowText(row);
    previewRow(row);
  };
  form.addEventListener("pointerdown", (event) => {
    const cell = event.target.closest?.("td.cell");
    if (!cell) return;
    event.preventDefault();
    // Touch captures the pointer to the first cell; released, the cells under the finger get "over".
    if (cell.hasPointerCapture?.(event.pointerId)) cell.releasePointerCapture(event.pointerId);
    painting = { state: NEXT[stateOf(cell)], row: cell.closest("tr") };
    apply(cell);
  });
  form.addEventListener("pointerover", (event) => {
    const cell = event.target.closest?.("td.cell");
    if (painting && cell && cell.closest("tr") === painting.row) apply(cell);
  });
  document.addEventListener("pointerup", () => (painting = null));
  form.addEventListener("input", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.name.startsWith("q.")) return;
    const states = parse(input.value);
    if (!states) return;
    input
      .closest("tr")
      .querySelectorAll("td.cell")
      .forEach((cell, slot) => paint(cell, states[slot]));
  });
}
