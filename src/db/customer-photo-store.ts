// CustomerPhotoStore on Prisma (table customer_photo). `keep` is one INSERT ... ON CONFLICT DO
// NOTHING, so two deliveries of the same upload racing each other store one copy and neither
// fails. Connectivity failures become StoreUnavailableError, as in the engine store.
import type { CustomerPhotoStore } from "../channels/customer-photos.js";
import type { PrismaClient } from "./client.js";
import { guardStore } from "./connectivity.js";

export function createCustomerPhotoStore(prisma: PrismaClient): CustomerPhotoStore {
  return {
    async has(id) {
      return guardStore(async () => {
        const row = await prisma.customerPhoto.findUnique({ where: { id }, select: { id: true } });
        return row !== null;
      });
    },
    async keep(photo) {
      await guardStore(() =>
        prisma.customerPhoto.createMany({
          data: [
            {
              id: photo.id,
              address: photo.address,
              mimeType: photo.contentType,
              bytes: new Uint8Array(photo.bytes),
            },
          ],
          skipDuplicates: true,
        }),
      );
    },
  };
}
