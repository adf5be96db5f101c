// Shared pieces for Telegram tests: a silent logger, a user-status port that records calls, and
// the bot token the fake Bot API accepts.
import { pino, type Logger } from "pino";
import type { UserStatusPort } from "../../../src/channels/channel.js";

export const TEST_BOT_TOKEN = "8000000001:AAHk3Vq9fakeTokenForTests_0123456789";

export function silentLogger(): Logger {
  return pino({ level: "silent" });
}

export interface RecordingUserStatus extends UserStatusPort {
  changes: { address: string; status: string }[];
}

export function recordingUserStatus(): RecordingUserStatus {
  const changes: { address: string; status: string }[] = [];
  return {
    changes,
    async setStatus(address, status) {
      changes.push({ address, status });
    },
  };
}
