-- CreateEnum
CREATE TYPE "OutageMode" AS ENUM ('schedules', 'none', 'emergency');

-- CreateTable
CREATE TABLE "outage_queue" (
    "code" VARCHAR(16) NOT NULL,
    "name" VARCHAR(64) NOT NULL,
    "sort" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "outage_queue_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "schedule_publication" (
    "id" SERIAL NOT NULL,
    "published_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "source" VARCHAR(32) NOT NULL,
    "actor" VARCHAR(64),

    CONSTRAINT "schedule_publication_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "schedule_day" (
    "queue" VARCHAR(16) NOT NULL,
    "date" DATE NOT NULL,
    "publication_id" INTEGER NOT NULL,
    "slots" VARCHAR(48) NOT NULL,

    CONSTRAINT "schedule_day_pkey" PRIMARY KEY ("queue","date","publication_id")
);

-- CreateTable
CREATE TABLE "outage_mode_change" (
    "id" SERIAL NOT NULL,
    "mode" "OutageMode" NOT NULL,
    "message" VARCHAR(1000),
    "actor" VARCHAR(64),
    "changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "outage_mode_change_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "address_queue" (
    "id" SERIAL NOT NULL,
    "settlement" VARCHAR(100) NOT NULL,
    "street" VARCHAR(150) NOT NULL,
    "building" VARCHAR(20) NOT NULL,
    "queue" VARCHAR(16) NOT NULL,
    "settlement_key" VARCHAR(100) NOT NULL,
    "street_key" VARCHAR(150) NOT NULL,
    "building_key" VARCHAR(20) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "address_queue_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "schedule_follow" (
    "user_id" INTEGER NOT NULL,
    "queue" VARCHAR(16) NOT NULL,
    "label" VARCHAR(120),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "schedule_follow_pkey" PRIMARY KEY ("user_id","queue")
);

-- CreateIndex
CREATE INDEX "schedule_day_date_publication_id_idx" ON "schedule_day"("date", "publication_id");

-- CreateIndex
CREATE INDEX "schedule_day_publication_id_idx" ON "schedule_day"("publication_id");

-- CreateIndex
CREATE INDEX "outage_mode_change_changed_at_idx" ON "outage_mode_change"("changed_at");

-- CreateIndex
CREATE INDEX "address_queue_queue_idx" ON "address_queue"("queue");

-- CreateIndex
CREATE UNIQUE INDEX "address_queue_settlement_key_street_key_building_key_key" ON "address_queue"("settlement_key", "street_key", "building_key");

-- CreateIndex
CREATE INDEX "schedule_follow_queue_idx" ON "schedule_follow"("queue");

-- AddForeignKey
ALTER TABLE "schedule_day" ADD CONSTRAINT "schedule_day_queue_fkey" FOREIGN KEY ("queue") REFERENCES "outage_queue"("code") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "schedule_day" ADD CONSTRAINT "schedule_day_publication_id_fkey" FOREIGN KEY ("publication_id") REFERENCES "schedule_publication"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "schedule_follow" ADD CONSTRAINT "schedule_follow_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "messenger_user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "schedule_follow" ADD CONSTRAINT "schedule_follow_queue_fkey" FOREIGN KEY ("queue") REFERENCES "outage_queue"("code") ON DELETE CASCADE ON UPDATE CASCADE;


-- The twelve queues of the region's hourly outage schedules (ГПВ). More come with DTEK's document
-- or an operator's change.
INSERT INTO "outage_queue" ("code", "name", "sort") VALUES
  ('1.1', 'Черга 1.1', 11), ('1.2', 'Черга 1.2', 12), ('2.1', 'Черга 2.1', 21), ('2.2', 'Черга 2.2', 22),
  ('3.1', 'Черга 3.1', 31), ('3.2', 'Черга 3.2', 32), ('4.1', 'Черга 4.1', 41), ('4.2', 'Черга 4.2', 42),
  ('5.1', 'Черга 5.1', 51), ('5.2', 'Черга 5.2', 52), ('6.1', 'Черга 6.1', 61), ('6.2', 'Черга 6.2', 62);
