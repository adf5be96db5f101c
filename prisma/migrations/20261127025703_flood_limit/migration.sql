-- AlterTable
ALTER TABLE "messenger_user" ADD COLUMN     "flood_count" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "flood_window_at" TIMESTAMPTZ(3);

