// Small SVG charts drawn on the server: no script, no library, readable by screen readers (a title
// and a table-like <desc>), and testable as text. Colours are presentation attributes (the page's
// CSP allows no inline style).

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export interface Series {
  name: string;
  colour: string;
  /** [x label, y value]; y in the chart's unit. */
  points: [string, number][];
  dashed?: boolean;
}

const W = 640;
const H = 260;
const PAD = { left: 48, right: 16, top: 16, bottom: 40 };

/** Lines over shared x labels; y from 0 to `max` (e.g. 1 for a rate), ticks formatted by `tick`. */
export function lineChart(options: {
  title: string;
  series: Series[];
  max: number;
  tick: (value: number) => string;
}): string {
  const labels = options.series.reduce<string[]>(
    (longest, s) => (s.points.length > longest.length ? s.points.map((p) => p[0]) : longest),
    [],
  );
  const n = Math.max(labels.length, 2);
  const x = (i: number) => PAD.left + (i * (W - PAD.left - PAD.right)) / (n - 1);
  const y = (v: number) =>
    H - PAD.bottom - (Math.min(v, options.max) / options.max) * (H - PAD.top - PAD.bottom);
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => {
      const v = f * options.max;
      return `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v)}" y2="${y(v)}" stroke="#e3e6ea"/><text x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11" fill="#5b6470">${esc(options.tick(v))}</text>`;
    })
    .join("");
  const xLabels = labels
    .map(
      (l, i) =>
        `<text x="${x(i)}" y="${H - PAD.bottom + 16}" text-anchor="middle" font-size="11" fill="#5b6470">${esc(l)}</text>`,
    )
    .join("");
  const lines = options.series
    .map((s) => {
      if (s.points.length === 0) return "";
      const d = s.points
        .map((p, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${y(p[1]).toFixed(1)}`)
        .join(" ");
      const dots = s.points
        .map(
          (p, i) =>
            `<circle cx="${x(i).toFixed(1)}" cy="${y(p[1]).toFixed(1)}" r="3" fill="${s.colour}"><title>${esc(`${s.name}, ${p[0]}: ${options.tick(p[1])}`)}</title></circle>`,
        )
        .join("");
      return `<path d="${d}" fill="none" stroke="${s.colour}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>${dots}`;
    })
    .join("");
  const legend = options.series
    .map(
      (s, i) =>
        `<g transform="translate(${PAD.left + i * 220},${H - 10})"><line x1="0" x2="24" y1="-4" y2="-4" stroke="${s.colour}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/><text x="30" y="0" font-size="12" fill="#1f2933">${esc(s.name)}</text></g>`,
    )
    .join("");
  const desc = options.series
    .map((s) => `${s.name}: ${s.points.map((p) => `${p[0]} ${options.tick(p[1])}`).join(", ")}`)
    .join("; ");
  return `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="c-t c-d" xmlns="http://www.w3.org/2000/svg"><title id="c-t">${esc(options.title)}</title><desc id="c-d">${esc(desc)}</desc>${grid}${xLabels}${lines}${legend}</svg>`;
}

export interface BarGroup {
  label: string;
  values: number[];
}

/** Grouped bars: one group per label, one bar per series (names and colours in `series`). */
export function barChart(options: {
  title: string;
  series: { name: string; colour: string }[];
  groups: BarGroup[];
}): string {
  const max = Math.max(1, ...options.groups.flatMap((g) => g.values));
  const groupWidth = (W - PAD.left - PAD.right) / Math.max(options.groups.length, 1);
  const barWidth = Math.min(40, (groupWidth - 16) / Math.max(options.series.length, 1));
  const y = (v: number) => H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom - 14);
  const bars = options.groups
    .map((g, gi) => {
      const x0 = PAD.left + gi * groupWidth + (groupWidth - barWidth * options.series.length) / 2;
      const rects = g.values
        .map((v, si) => {
          const x = x0 + si * barWidth;
          const s = options.series[si]!;
          return `<rect x="${x.toFixed(1)}" y="${y(v).toFixed(1)}" width="${(barWidth - 3).toFixed(1)}" height="${(H - PAD.bottom - y(v)).toFixed(1)}" fill="${s.colour}"><title>${esc(`${g.label}, ${s.name}: ${v}`)}</title></rect><text x="${(x + (barWidth - 3) / 2).toFixed(1)}" y="${(y(v) - 4).toFixed(1)}" text-anchor="middle" font-size="11" fill="#1f2933">${v}</text>`;
        })
        .join("");
      return `${rects}<text x="${(PAD.left + gi * groupWidth + groupWidth / 2).toFixed(1)}" y="${H - PAD.bottom + 16}" text-anchor="middle" font-size="12" fill="#5b6470">${esc(g.label)}</text>`;
    })
    .join("");
  const legend = options.series
    .map(
      (s, i) =>
        `<g transform="translate(${PAD.left + i * 200},${H - 8})"><rect x="0" y="-10" width="12" height="12" fill="${s.colour}"/><text x="18" y="0" font-size="12" fill="#1f2933">${esc(s.name)}</text></g>`,
    )
    .join("");
  const desc = options.groups.map((g) => `${g.label}: ${g.values.join(" / ")}`).join("; ");
  return `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" xmlns="http://www.w3.org/2000/svg"><title>${esc(options.title)}</title><desc>${esc(desc)}</desc><line x1="${PAD.left}" x2="${W - PAD.right}" y1="${H - PAD.bottom}" y2="${H - PAD.bottom}" stroke="#9aa5b1"/>${bars}${legend}</svg>`;
}
