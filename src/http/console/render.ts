// Server-rendered pages: Eta templates in views/ (auto-escaped; `<%~` only for SVG the chart code
// built and escaped itself), each inside layout.eta with the navigation the person's role allows.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Eta } from "eta";
import type { FastifyReply } from "fastify";
import { showInstant } from "../../engine/calendar.js";
import { kyivDate } from "../../engine/reading-window.js";
import type { ConsoleIdentity } from "../../operator/console-sessions.js";
import { ct, isConsoleKey, type ConsoleKey, type ConsoleLanguage } from "./i18n.js";
import { PAGES, mayDo, type Action, type PageId } from "./nav.js";

const views = path.join(path.dirname(fileURLToPath(import.meta.url)), "views");
const eta = new Eta({ views, cache: true, autoEscape: true, autoTrim: [false, "nl"] });

/** Helpers every template gets as `it.h`. */
export function helpers(language: ConsoleLanguage, identity: ConsoleIdentity | null) {
  return {
    lang: language,
    t: (key: ConsoleKey, params?: Record<string, string | number>) => ct(language, key, params),
    /** A text for a value from data ("status.outage.received"); the raw value if the catalogue lacks it. */
    label: (prefix: string, value: string) => {
      const key = `${prefix}.${value}`;
      return isConsoleKey(key) ? ct(language, key) : value;
    },
    time: (value: Date | null | undefined) => (value ? showInstant(value) : "—"),
    /** The value of a datetime-local input in Kyiv time. */
    inputTime: (value: Date | null | undefined) => {
      if (!value) return "";
      const d = kyivDate(value);
      const two = (n: number) => String(n).padStart(2, "0");
      return `${d.year}-${two(d.month)}-${two(d.day)}T${two(d.hour)}:${two(d.minute)}`;
    },
    age: (value: Date, now: Date) => {
      const minutes = Math.max(0, Math.floor((now.getTime() - value.getTime()) / 60_000));
      if (minutes < 60) return ct(language, "age.minutes", { n: minutes });
      if (minutes < 48 * 60) return ct(language, "age.hours", { n: Math.floor(minutes / 60) });
      return ct(language, "age.days", { n: Math.floor(minutes / 1440) });
    },
    percent: (rate: number) => `${(rate * 100).toFixed(1)} %`,
    may: (action: Action) => (identity ? mayDo(identity.role, action) : false),
    query: (params: Record<string, string | number | undefined>) => {
      const search = new URLSearchParams();
      for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") search.set(k, String(v));
      const s = search.toString();
      return s ? `?${s}` : "";
    },
  };
}

export type Helpers = ReturnType<typeof helpers>;

export interface PageOptions {
  identity: ConsoleIdentity | null;
  language: ConsoleLanguage;
  /** Which navigation entry is lit. */
  current?: PageId;
  title: string;
  /** A notice to show; by default the one a change redirected with (?done=saved -> notice.saved). */
  notice?: string;
  status?: number;
}

export function renderPage(
  reply: FastifyReply,
  view: string,
  data: Record<string, unknown>,
  options: PageOptions,
) {
  const h = helpers(options.language, options.identity);
  const nav = options.identity
    ? PAGES.filter((p) => p.roles.includes(options.identity!.role)).map((p) => ({
        path: p.path,
        title: h.t(p.title),
        current: p.id === options.current,
      }))
    : [];
  const titleKey = `title.${options.title}`;
  const done = (reply.request.query as Record<string, unknown> | undefined)?.done;
  const notice =
    options.notice ?? (typeof done === "string" && /^[a-z_]{1,32}$/.test(done) ? done : undefined);
  const html = eta.render(view, {
    ...data,
    h,
    layout: {
      title: isConsoleKey(titleKey) ? h.t(titleKey) : options.title,
      path: reply.request.url,
      nav,
      identity: options.identity,
      csrf: options.identity?.csrfToken ?? "",
      notice,
      language: options.language,
    },
  });
  return reply
    .code(options.status ?? 200)
    .type("text/html; charset=utf-8")
    .send(html);
}
