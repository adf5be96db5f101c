-- CreateEnum
CREATE TYPE "OutboundState" AS ENUM ('queued', 'sending', 'sent', 'dropped', 'skipped', 'dead', 'uncertain');

-- CreateTable
CREATE TABLE "reminder_campaign" (
    "period" CHAR(7) NOT NULL,
    "kind" VARCHAR(32) NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMPTZ(3),
    "enqueued" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "reminder_campaign_pkey" PRIMARY KEY ("period","kind")
);

-- CreateTable
CREATE TABLE "outbound_message" (
    "id" BIGSERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "channel" "Channel" NOT NULL,
    "kind" VARCHAR(32) NOT NULL,
    "notification" JSONB NOT NULL,
    "state" "OutboundState" NOT NULL DEFAULT 'queued',
    "quiet_hours" BOOLEAN NOT NULL DEFAULT false,
    "job_id" UUID,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "sending_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "outbound_message_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbound_rate" (
    "key" VARCHAR(160) NOT NULL,
    "next_slot_at" TIMESTAMPTZ(6) NOT NULL,
    "paused_until" TIMESTAMPTZ(6),

    CONSTRAINT "outbound_rate_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "outbound_message_user_id_state_idx" ON "outbound_message"("user_id", "state");

-- CreateIndex
CREATE INDEX "outbound_message_state_created_at_idx" ON "outbound_message"("state", "created_at");

-- CreateIndex
CREATE INDEX "outbound_rate_next_slot_at_idx" ON "outbound_rate"("next_slot_at");

-- AddForeignKey
ALTER TABLE "outbound_message" ADD CONSTRAINT "outbound_message_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "messenger_user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

