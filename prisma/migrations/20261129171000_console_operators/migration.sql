-- CreateEnum
CREATE TYPE "ReviewDecision" AS ENUM ('accepted', 'rejected');

-- CreateEnum
CREATE TYPE "OperatorRole" AS ENUM ('dispatcher', 'service', 'billing', 'admin');

-- AlterTable
ALTER TABLE "meter_reading" ADD COLUMN     "review_decision" "ReviewDecision",
ADD COLUMN     "review_reason" TEXT,
ADD COLUMN     "reviewed_at" TIMESTAMPTZ(3),
ADD COLUMN     "reviewed_by" INTEGER;

-- CreateTable
CREATE TABLE "operator_user" (
    "id" SERIAL NOT NULL,
    "login" VARCHAR(64) NOT NULL,
    "role" "OperatorRole" NOT NULL,
    "password_hash" TEXT NOT NULL,
    "language" "Language" NOT NULL DEFAULT 'uk',
    "disabled_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "operator_user_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "operator_session" (
    "id" SERIAL NOT NULL,
    "token_hash" CHAR(64) NOT NULL,
    "user_id" INTEGER NOT NULL,
    "csrf_token" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "operator_session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sign_in_attempt" (
    "id" BIGSERIAL NOT NULL,
    "login" VARCHAR(64) NOT NULL,
    "ip" VARCHAR(64) NOT NULL,
    "success" BOOLEAN NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sign_in_attempt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "actor" VARCHAR(80) NOT NULL,
    "action" VARCHAR(64) NOT NULL,
    "entity" VARCHAR(32) NOT NULL,
    "entity_id" VARCHAR(64) NOT NULL,
    "details" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "operator_user_login_key" ON "operator_user"("login");

-- CreateIndex
CREATE UNIQUE INDEX "operator_session_token_hash_key" ON "operator_session"("token_hash");

-- CreateIndex
CREATE INDEX "operator_session_user_id_idx" ON "operator_session"("user_id");

-- CreateIndex
CREATE INDEX "operator_session_expires_at_idx" ON "operator_session"("expires_at");

-- CreateIndex
CREATE INDEX "sign_in_attempt_login_created_at_idx" ON "sign_in_attempt"("login", "created_at");

-- CreateIndex
CREATE INDEX "sign_in_attempt_ip_created_at_idx" ON "sign_in_attempt"("ip", "created_at");

-- CreateIndex
CREATE INDEX "sign_in_attempt_created_at_idx" ON "sign_in_attempt"("created_at");

-- CreateIndex
CREATE INDEX "audit_log_created_at_idx" ON "audit_log"("created_at");

-- CreateIndex
CREATE INDEX "audit_log_entity_entity_id_idx" ON "audit_log"("entity", "entity_id");

-- CreateIndex
CREATE INDEX "account_meter_serial_idx" ON "account"("meter_serial");

-- CreateIndex
CREATE INDEX "meter_reading_status_created_at_idx" ON "meter_reading"("status", "created_at");

-- AddForeignKey
ALTER TABLE "meter_reading" ADD CONSTRAINT "meter_reading_reviewed_by_fkey" FOREIGN KEY ("reviewed_by") REFERENCES "operator_user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "operator_session" ADD CONSTRAINT "operator_session_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "operator_user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

