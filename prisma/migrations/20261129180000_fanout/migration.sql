-- AlterTable
ALTER TABLE "outbound_message" ADD COLUMN     "fanout_id" INTEGER,
ADD COLUMN     "fanout_paid" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "fanout_priority" SMALLINT,
ADD COLUMN     "not_before" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "fanout" (
    "id" SERIAL NOT NULL,
    "key" VARCHAR(200) NOT NULL,
    "priority" VARCHAR(16) NOT NULL,
    "paid" BOOLEAN NOT NULL DEFAULT false,
    "total" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "fanout_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "fanout_paid_budget" (
    "day" DATE NOT NULL,
    "used" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "fanout_paid_budget_pkey" PRIMARY KEY ("day")
);

-- CreateIndex
CREATE UNIQUE INDEX "fanout_key_key" ON "fanout"("key");

-- CreateIndex
CREATE INDEX "fanout_finished_at_idx" ON "fanout"("finished_at");

-- CreateIndex
CREATE INDEX "outbound_message_state_channel_fanout_priority_id_idx" ON "outbound_message"("state", "channel", "fanout_priority", "id");

-- CreateIndex
CREATE INDEX "outbound_message_state_channel_fanout_paid_fanout_priority__idx" ON "outbound_message"("state", "channel", "fanout_paid", "fanout_priority", "id");

-- CreateIndex
CREATE INDEX "outbound_message_fanout_id_state_idx" ON "outbound_message"("fanout_id", "state");

-- AddForeignKey
ALTER TABLE "outbound_message" ADD CONSTRAINT "outbound_message_fanout_id_fkey" FOREIGN KEY ("fanout_id") REFERENCES "fanout"("id") ON DELETE CASCADE ON UPDATE CASCADE;

