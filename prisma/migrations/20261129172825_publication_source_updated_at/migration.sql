-- AlterTable
ALTER TABLE "schedule_publication" ADD COLUMN     "source_updated_at" TIMESTAMPTZ(3);

