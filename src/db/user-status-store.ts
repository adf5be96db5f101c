// UserStatusPort on Prisma: channels call it when a platform says a user cannot be reached (Telegram
// 403 "bot was blocked", Viber status 6 "not subscribed") so nothing more is sent to them. An
// address the bot has never seen has no row to mark and is ignored.
import type { UserStatusPort } from "../channels/channel.js";
import type { PrismaClient } from "./client.js";

export function createUserStatusStore(prisma: PrismaClient): UserStatusPort {
  return {
    async setStatus(address, status) {
      await prisma.messengerUser.updateMany({ where: { address }, data: { status } });
    },
  };
}
