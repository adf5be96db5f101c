// SchedulePictureStore on node-postgres (table schedule_picture, and schedule_day for the slots of an
// exact version). Inserts are ON CONFLICT DO NOTHING: two instances rendering the same picture at
// once store one copy and neither fails. Connectivity failures become StoreUnavailableError.
import type pg from "pg";
import type { SchedulePictureStore } from "../channels/schedule-pictures.js";
import { decodeSlots } from "../schedules/slot-codes.js";
import { guardStore } from "./connectivity.js";

export function createSchedulePictureStore(pool: pg.Pool): SchedulePictureStore {
  return {
    async find(key, withPng) {
      return guardStore(async () => {
        const { rows } = await pool.query<{ png: Buffer | null; telegram_file_id: string | null }>(
          withPng
            ? "SELECT png, telegram_file_id FROM schedule_picture WHERE key = $1"
            : "SELECT NULL::bytea AS png, telegram_file_id FROM schedule_picture WHERE key = $1",
          [key],
        );
        const row = rows[0];
        return row ? { png: row.png, telegramFileId: row.telegram_file_id } : null;
      });
    },
    async put(key, picture, png) {
      await guardStore(() =>
        pool.query(
          `INSERT INTO schedule_picture (key, queue, days, language, png) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (key) DO NOTHING`,
          [key, picture.queue, JSON.stringify(picture.days), picture.language, png],
        ),
      );
    },
    async setTelegramFileId(key, fileId) {
      await guardStore(() =>
        pool.query("UPDATE schedule_picture SET telegram_file_id = $2 WHERE key = $1", [key, fileId]),
      );
    },
    async slots(queue, date, version) {
      return guardStore(async () => {
        const { rows } = await pool.query<{ slots: string }>(
          "SELECT slots FROM schedule_day WHERE queue = $1 AND date = $2::date AND publication_id = $3",
          [queue, date, version],
        );
        const row = rows[0];
        return row ? decodeSlots(row.slots) : null;
      });
    },
  };
}
