// Pictures of the schedule view for every channel. A reply names a picture (queue, days at their
// versions, language); this module turns the name into PNG bytes exactly once per name: a hash of
// the name is the key, the PNG is kept in Postgres (schedule_picture: shared by instances, kept
// across restarts) and in a small in-process cache, and Telegram's file_id is kept next to it so a
// picture is uploaded to Telegram once and re-sent by id. The SVG comes from
// src/schedules/picture-svg.ts; @resvg/resvg-js turns it into PNG with the DejaVu Sans TTF shipped
// in the dejavu-fonts-ttf package (no system fonts needed). The days are read at their exact
// versions, so a picture never shows anything but what was published under its name.
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import path from "node:path";
import { Resvg } from "@resvg/resvg-js";
import { Counter, type Registry } from "prom-client";
import { queueTitleIn } from "../engine/flows/outage-schedule.js";
import { t } from "../engine/i18n/index.js";
import type { MessageKey } from "../engine/i18n/index.js";
import type { SchedulePicture } from "../engine/replies.js";
import { dayHours } from "../schedules/kyiv-day.js";
import { PICTURE_FONT_FAMILY, scheduleSvg, type PictureDay } from "../schedules/picture-svg.js";
import type { DaySlots } from "../schedules/types.js";

/** Bump when the drawing changes: every picture gets a new key and is drawn again. */
export const PICTURE_REVISION = 1;

export const MEDIA_PATH_PREFIX = "/media/schedules/";

export interface SchedulePictureStore {
  /** The stored picture (png only when asked for), or null. */
  find(key: string, withPng: boolean): Promise<{ png: Buffer | null; telegramFileId: string | null } | null>;
  put(key: string, picture: SchedulePicture, png: Buffer): Promise<void>;
  setTelegramFileId(key: string, fileId: string): Promise<void>;
  /** A queue's day exactly as a publication set it, or null. */
  slots(queue: string, date: string, version: number): Promise<DaySlots | null>;
}

export interface SchedulePictures {
  key(picture: SchedulePicture): string;
  /** The URL path of a picture ("/media/schedules/<key>.png"). */
  path(picture: SchedulePicture): string;
  /** The PNG: from memory, the database, or drawn now (once) and stored. Null when it cannot be drawn. */
  png(picture: SchedulePicture): Promise<Buffer | null>;
  /** Makes sure the picture exists (drawn and stored) so its URL answers; false when it cannot be drawn. */
  ensure(picture: SchedulePicture): Promise<boolean>;
  /** The media route: only pictures that exist. */
  pngByKey(key: string): Promise<Buffer | null>;
  telegramFileId(key: string): Promise<string | null>;
  rememberTelegramFileId(key: string, fileId: string): Promise<void>;
}

const require = createRequire(import.meta.url);
const FONT_FILES = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"].map((name) =>
  path.join(path.dirname(require.resolve("dejavu-fonts-ttf/package.json")), "ttf", name),
);

/** Picture keys: url-safe, 32 characters. */
export const PICTURE_KEY_PATTERN = /^[A-Za-z0-9_-]{32}$/;

/** What a picture's name gives every view: its key and its caption (each worked out once per name). */
interface NameFacts {
  key: string;
  caption: string;
}

/** Names seen lately (a handful per publication; cleared whole when full). */
const factsByName = new Map<string, NameFacts>();
const NAMES_KEPT = 2_000;

function nameFacts(picture: SchedulePicture): NameFacts {
  // The memo's key: unambiguous (queue codes and languages hold no spaces, dates and versions no ":").
  let memo = `${picture.queue} ${picture.language}`;
  for (const day of picture.days) memo += ` ${day.date}:${day.version}`;
  let facts = factsByName.get(memo);
  if (facts === undefined) {
    // The picture's key hashes its name as it always has (stored pictures keep their keys).
    const name = JSON.stringify([
      PICTURE_REVISION,
      picture.queue,
      picture.days.map((day) => [day.date, day.version]),
      picture.language,
    ]);
    facts = {
      key: createHash("sha256").update(name).digest("base64url").slice(0, 32),
      caption: captionOf(picture),
    };
    if (factsByName.size >= NAMES_KEPT) factsByName.clear();
    factsByName.set(memo, facts);
  }
  return facts;
}

export function pictureKey(picture: SchedulePicture): string {
  return nameFacts(picture).key;
}

function weekday(date: string): number {
  const day = new Date(`${date}T12:00:00Z`).getUTCDay();
  return day === 0 ? 7 : day;
}

function capitalised(text: string): string {
  return text.charAt(0).toLocaleUpperCase() + text.slice(1);
}

function showDate(date: string): string {
  return `${date.slice(8, 10)}.${date.slice(5, 7)}`;
}

/** The caption of a picture (also its alt text): "Черга 3.2: графік на 30.11, 01.12". */
export function pictureCaption(picture: SchedulePicture): string {
  return nameFacts(picture).caption;
}

function captionOf(picture: SchedulePicture): string {
  return capitalised(
    t(picture.language, "sched.pictureCaption", {
      queue: queueTitleIn(picture.language, picture.queue),
      dates: picture.days.map((day) => showDate(day.date)).join(", "),
    }),
  );
}

/** Draws a picture from its days' slots (PNG bytes). */
export function renderPicture(picture: SchedulePicture, slots: DaySlots[]): Buffer {
  const language = picture.language;
  const days: PictureDay[] = picture.days.map((day, index) => ({
    label: `${t(language, `weekday.${weekday(day.date)}` as MessageKey)}, ${showDate(day.date)}`,
    slots: slots[index] ?? [],
    hours: dayHours(day.date),
  }));
  const svg = scheduleSvg(days, {
    title: capitalised(queueTitleIn(language, picture.queue)),
    off: t(language, "sched.pic.off"),
    maybe: t(language, "sched.pic.maybe"),
    on: t(language, "sched.pic.on"),
    dstForward: t(language, "sched.pic.dstForward"),
    dstBack: t(language, "sched.pic.dstBack"),
    footer: t(language, "sched.pic.version", { version: picture.days.map((day) => day.version).join("/") }),
  });
  const resvg = new Resvg(svg, {
    font: { fontFiles: FONT_FILES, loadSystemFonts: false, defaultFontFamily: PICTURE_FONT_FAMILY },
    background: "#FFFFFF",
  });
  return resvg.render().asPng();
}

export interface SchedulePicturesDeps {
  store: SchedulePictureStore;
  registry?: Registry;
  /** Pictures kept in memory (about 20 KB each). */
  memoryEntries?: number;
  /** Injectable for tests. */
  render?: (picture: SchedulePicture, slots: DaySlots[]) => Buffer;
}

interface Remembered {
  png: Buffer | null;
  exists: boolean;
  telegramFileId: string | null;
}

export function createSchedulePictures(deps: SchedulePicturesDeps): SchedulePictures {
  const registers = deps.registry ? [deps.registry] : [];
  const renders = new Counter({
    name: "schedule_picture_renders_total",
    help: "Schedule pictures drawn (SVG -> PNG); once per queue, days, versions and language",
    registers,
  });
  const lookups = new Counter({
    name: "schedule_picture_lookups_total",
    help: "Schedule picture lookups by where the answer came from (memory, database, rendered)",
    labelNames: ["source"] as const,
    registers,
  });
  const draw = deps.render ?? renderPicture;
  const limit = deps.memoryEntries ?? 200;
  const memory = new Map<string, Remembered>();
  const drawing = new Map<string, Promise<Buffer | null>>();

  function remember(key: string, update: Partial<Remembered>): Remembered {
    const current = memory.get(key) ?? { png: null, exists: false, telegramFileId: null };
    const next = { ...current, ...update };
    memory.delete(key); // re-insert: the Map's order is the recency order
    memory.set(key, next);
    while (memory.size > limit) {
      const oldest = memory.keys().next().value;
      if (oldest === undefined) break;
      memory.delete(oldest);
    }
    return next;
  }

  async function drawAndStore(key: string, picture: SchedulePicture): Promise<Buffer | null> {
    const slots: DaySlots[] = [];
    for (const day of picture.days) {
      const found = await deps.store.slots(picture.queue, day.date, day.version);
      if (!found) return null; // that version is gone: nothing true to draw
      slots.push(found);
    }
    const png = draw(picture, slots);
    renders.inc();
    lookups.inc({ source: "rendered" });
    await deps.store.put(key, picture, png);
    remember(key, { png, exists: true });
    return png;
  }

  async function png(picture: SchedulePicture): Promise<Buffer | null> {
    const key = pictureKey(picture);
    const known = memory.get(key);
    if (known?.png) {
      lookups.inc({ source: "memory" });
      remember(key, {});
      return known.png;
    }
    const stored = await deps.store.find(key, true);
    if (stored?.png) {
      lookups.inc({ source: "database" });
      remember(key, { png: stored.png, exists: true, telegramFileId: stored.telegramFileId });
      return stored.png;
    }
    // Another view may have drawn it while this one waited for the database.
    const drawn = memory.get(key);
    if (drawn?.png) {
      lookups.inc({ source: "memory" });
      return drawn.png;
    }
    // One drawing per key in this process even when views arrive together.
    let pending = drawing.get(key);
    if (!pending) {
      pending = drawAndStore(key, picture).finally(() => drawing.delete(key));
      drawing.set(key, pending);
    }
    return pending;
  }

  return {
    key: pictureKey,
    path: (picture) => `${MEDIA_PATH_PREFIX}${pictureKey(picture)}.png`,
    png,
    async ensure(picture) {
      const key = pictureKey(picture);
      if (memory.get(key)?.exists) {
        lookups.inc({ source: "memory" });
        return true;
      }
      const stored = await deps.store.find(key, false);
      if (stored) {
        lookups.inc({ source: "database" });
        remember(key, { exists: true, telegramFileId: stored.telegramFileId });
        return true;
      }
      return (await png(picture)) !== null;
    },
    async pngByKey(key) {
      if (!PICTURE_KEY_PATTERN.test(key)) return null;
      const known = memory.get(key);
      if (known?.png) return known.png;
      const stored = await deps.store.find(key, true);
      if (!stored?.png) return null;
      remember(key, { png: stored.png, exists: true, telegramFileId: stored.telegramFileId });
      return stored.png;
    },
    async telegramFileId(key) {
      const known = memory.get(key);
      if (known?.telegramFileId) {
        lookups.inc({ source: "memory" });
        return known.telegramFileId;
      }
      const stored = await deps.store.find(key, false);
      if (!stored) return null;
      remember(key, { exists: true, telegramFileId: stored.telegramFileId });
      if (stored.telegramFileId) lookups.inc({ source: "database" });
      return stored.telegramFileId;
    },
    async rememberTelegramFileId(key, fileId) {
      remember(key, { telegramFileId: fileId });
      await deps.store.setTelegramFileId(key, fileId);
    },
  };
}
