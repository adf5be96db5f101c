-- web_photo becomes customer_photo: the same rows (web chat uploads, whose `web-photo:<id>`
-- references keep working) and from now on also the copies of Viber pictures. Renamed in place
-- rather than dropped and recreated (what `prisma migrate diff` writes), so no photo is lost.

-- RenameTable
ALTER TABLE "web_photo" RENAME TO "customer_photo";

-- RenamePrimaryKey
ALTER TABLE "customer_photo" RENAME CONSTRAINT "web_photo_pkey" TO "customer_photo_pkey";

-- RenameIndex
ALTER INDEX "web_photo_address_idx" RENAME TO "customer_photo_address_idx";

-- CreateIndex
CREATE INDEX "customer_photo_created_at_idx" ON "customer_photo"("created_at");
