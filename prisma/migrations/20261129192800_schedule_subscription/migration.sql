-- CreateTable
CREATE TABLE "schedule_subscription" (
    "user_id" INTEGER NOT NULL,
    "queue" VARCHAR(16) NOT NULL,
    "label" VARCHAR(120),
    "lead_minutes" SMALLINT NOT NULL DEFAULT 30,
    "include_maybe" BOOLEAN NOT NULL DEFAULT true,
    "night" BOOLEAN NOT NULL DEFAULT false,
    "power_back" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "schedule_subscription_pkey" PRIMARY KEY ("user_id","queue")
);

-- CreateIndex
CREATE INDEX "schedule_subscription_queue_lead_minutes_idx" ON "schedule_subscription"("queue", "lead_minutes");

-- AddForeignKey
ALTER TABLE "schedule_subscription" ADD CONSTRAINT "schedule_subscription_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "messenger_user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "schedule_subscription" ADD CONSTRAINT "schedule_subscription_queue_fkey" FOREIGN KEY ("queue") REFERENCES "outage_queue"("code") ON DELETE CASCADE ON UPDATE CASCADE;

