-- AlterTable
ALTER TABLE "account" ADD COLUMN     "avg_daily_kwh" DOUBLE PRECISION,
ADD COLUMN     "outage_queue" VARCHAR(16);

-- CreateIndex
CREATE INDEX "account_outage_queue_idx" ON "account"("outage_queue");

