-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "Channel" AS ENUM ('telegram', 'viber', 'web');

-- CreateEnum
CREATE TYPE "UserStatus" AS ENUM ('active', 'blocked', 'unsubscribed');

-- CreateEnum
CREATE TYPE "Language" AS ENUM ('uk', 'en');

-- CreateEnum
CREATE TYPE "VerificationMethod" AS ENUM ('phone', 'serial_surname', 'operator');

-- CreateEnum
CREATE TYPE "ReadingSource" AS ENUM ('billing', 'telegram', 'viber', 'web', 'operator');

-- CreateEnum
CREATE TYPE "ReadingStatus" AS ENUM ('accepted', 'flagged', 'superseded');

-- CreateEnum
CREATE TYPE "OutageScope" AS ENUM ('home', 'building', 'street');

-- CreateEnum
CREATE TYPE "OutageReportStatus" AS ENUM ('received', 'crew_dispatched', 'restored', 'cancelled');

-- CreateEnum
CREATE TYPE "OutageKind" AS ENUM ('planned', 'emergency');

-- CreateEnum
CREATE TYPE "ServiceType" AS ENUM ('meter_replacement', 'meter_setup', 'sealing', 'unsealing', 'meter_fault');

-- CreateEnum
CREATE TYPE "ServiceOrderStatus" AS ENUM ('received', 'scheduled', 'in_progress', 'done', 'cancelled');

-- CreateTable
CREATE TABLE "account" (
    "id" SERIAL NOT NULL,
    "number" VARCHAR(20) NOT NULL,
    "eic" VARCHAR(16),
    "holder_name" TEXT NOT NULL,
    "phones" TEXT[],
    "settlement" TEXT NOT NULL,
    "street" TEXT NOT NULL,
    "building" TEXT NOT NULL,
    "apartment" TEXT,
    "area_code" VARCHAR(32) NOT NULL,
    "meter_serial" VARCHAR(32) NOT NULL,
    "meter_digits" SMALLINT NOT NULL,
    "zones" SMALLINT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "account_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "messenger_user" (
    "id" SERIAL NOT NULL,
    "address" VARCHAR(128) NOT NULL,
    "channel" "Channel" NOT NULL,
    "telegram_chat_id" BIGINT,
    "viber_user_id" VARCHAR(64),
    "language" "Language" NOT NULL DEFAULT 'uk',
    "status" "UserStatus" NOT NULL DEFAULT 'active',
    "reminders_enabled" BOOLEAN NOT NULL DEFAULT true,
    "phone" VARCHAR(20),
    "phone_proven" BOOLEAN NOT NULL DEFAULT false,
    "last_inbound_at" TIMESTAMPTZ(3),
    "state" JSONB NOT NULL DEFAULT '{}',
    "state_version" INTEGER NOT NULL DEFAULT 0,
    "state_updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "messenger_user_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "account_link" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "account_id" INTEGER NOT NULL,
    "label" VARCHAR(40) NOT NULL,
    "verified_by" "VerificationMethod" NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "account_link_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "processed_update" (
    "channel" "Channel" NOT NULL,
    "update_id" VARCHAR(64) NOT NULL,
    "processed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "processed_update_pkey" PRIMARY KEY ("channel","update_id")
);

-- CreateTable
CREATE TABLE "verification_attempt" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "method" "VerificationMethod" NOT NULL,
    "success" BOOLEAN NOT NULL,
    "account_number" VARCHAR(20),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "verification_attempt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "meter_reading" (
    "id" SERIAL NOT NULL,
    "account_id" INTEGER NOT NULL,
    "period" CHAR(7) NOT NULL,
    "t1" INTEGER NOT NULL,
    "t2" INTEGER,
    "t3" INTEGER,
    "taken_at" TIMESTAMPTZ(3) NOT NULL,
    "source" "ReadingSource" NOT NULL,
    "status" "ReadingStatus" NOT NULL DEFAULT 'accepted',
    "flag_reason" TEXT,
    "photo_ref" TEXT,
    "user_id" INTEGER,
    "in_window" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "meter_reading_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outage_report" (
    "id" SERIAL NOT NULL,
    "account_id" INTEGER NOT NULL,
    "user_id" INTEGER,
    "scope" "OutageScope" NOT NULL,
    "status" "OutageReportStatus" NOT NULL DEFAULT 'received',
    "expected_restore_at" TIMESTAMPTZ(3),
    "comment" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "outage_report_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "known_outage" (
    "id" SERIAL NOT NULL,
    "area_codes" TEXT[],
    "kind" "OutageKind" NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "expected_end_at" TIMESTAMPTZ(3),
    "note" TEXT,
    "resolved_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "known_outage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outage_watch" (
    "id" SERIAL NOT NULL,
    "outage_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "account_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "notified_at" TIMESTAMPTZ(3),

    CONSTRAINT "outage_watch_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "service_order" (
    "id" SERIAL NOT NULL,
    "account_id" INTEGER NOT NULL,
    "user_id" INTEGER,
    "type" "ServiceType" NOT NULL,
    "description" TEXT NOT NULL,
    "photo_ref" TEXT,
    "preferred_date" DATE,
    "contact_phone" VARCHAR(20) NOT NULL,
    "status" "ServiceOrderStatus" NOT NULL DEFAULT 'received',
    "visit_from" TIMESTAMPTZ(3),
    "visit_to" TIMESTAMPTZ(3),
    "comment" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "service_order_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reminder_delivery" (
    "period" CHAR(7) NOT NULL,
    "kind" VARCHAR(32) NOT NULL,
    "user_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reminder_delivery_pkey" PRIMARY KEY ("period","kind","user_id")
);

-- CreateTable
CREATE TABLE "operator_token" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(64) NOT NULL,
    "token_hash" CHAR(64) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "operator_token_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "account_number_key" ON "account"("number");

-- CreateIndex
CREATE UNIQUE INDEX "account_eic_key" ON "account"("eic");

-- CreateIndex
CREATE INDEX "account_area_code_idx" ON "account"("area_code");

-- CreateIndex
CREATE UNIQUE INDEX "messenger_user_address_key" ON "messenger_user"("address");

-- CreateIndex
CREATE UNIQUE INDEX "messenger_user_telegram_chat_id_key" ON "messenger_user"("telegram_chat_id");

-- CreateIndex
CREATE UNIQUE INDEX "messenger_user_viber_user_id_key" ON "messenger_user"("viber_user_id");

-- CreateIndex
CREATE INDEX "messenger_user_channel_status_idx" ON "messenger_user"("channel", "status");

-- CreateIndex
CREATE INDEX "account_link_account_id_idx" ON "account_link"("account_id");

-- CreateIndex
CREATE UNIQUE INDEX "account_link_user_id_account_id_key" ON "account_link"("user_id", "account_id");

-- CreateIndex
CREATE INDEX "processed_update_processed_at_idx" ON "processed_update"("processed_at");

-- CreateIndex
CREATE INDEX "verification_attempt_user_id_created_at_idx" ON "verification_attempt"("user_id", "created_at");

-- CreateIndex
CREATE INDEX "meter_reading_account_id_taken_at_idx" ON "meter_reading"("account_id", "taken_at");

-- CreateIndex
CREATE INDEX "meter_reading_period_status_idx" ON "meter_reading"("period", "status");

-- CreateIndex
CREATE INDEX "outage_report_account_id_status_idx" ON "outage_report"("account_id", "status");

-- CreateIndex
CREATE INDEX "outage_report_status_created_at_idx" ON "outage_report"("status", "created_at");

-- CreateIndex
CREATE INDEX "known_outage_area_codes_idx" ON "known_outage" USING GIN ("area_codes");

-- CreateIndex
CREATE INDEX "known_outage_resolved_at_idx" ON "known_outage"("resolved_at");

-- CreateIndex
CREATE UNIQUE INDEX "outage_watch_outage_id_user_id_account_id_key" ON "outage_watch"("outage_id", "user_id", "account_id");

-- CreateIndex
CREATE INDEX "service_order_account_id_status_idx" ON "service_order"("account_id", "status");

-- CreateIndex
CREATE INDEX "service_order_status_created_at_idx" ON "service_order"("status", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "operator_token_name_key" ON "operator_token"("name");

-- CreateIndex
CREATE UNIQUE INDEX "operator_token_token_hash_key" ON "operator_token"("token_hash");

-- AddForeignKey
ALTER TABLE "account_link" ADD CONSTRAINT "account_link_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "messenger_user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "account_link" ADD CONSTRAINT "account_link_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "verification_attempt" ADD CONSTRAINT "verification_attempt_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "messenger_user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "meter_reading" ADD CONSTRAINT "meter_reading_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "meter_reading" ADD CONSTRAINT "meter_reading_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "messenger_user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "outage_report" ADD CONSTRAINT "outage_report_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "outage_report" ADD CONSTRAINT "outage_report_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "messenger_user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "outage_watch" ADD CONSTRAINT "outage_watch_outage_id_fkey" FOREIGN KEY ("outage_id") REFERENCES "known_outage"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "outage_watch" ADD CONSTRAINT "outage_watch_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "messenger_user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "outage_watch" ADD CONSTRAINT "outage_watch_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "service_order" ADD CONSTRAINT "service_order_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "service_order" ADD CONSTRAINT "service_order_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "messenger_user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reminder_delivery" ADD CONSTRAINT "reminder_delivery_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "messenger_user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

