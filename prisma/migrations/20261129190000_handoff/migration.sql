-- CreateEnum
CREATE TYPE "HandoffStatus" AS ENUM ('waiting', 'active', 'closed');

-- CreateEnum
CREATE TYPE "HandoffAuthor" AS ENUM ('customer', 'operator', 'system');

-- CreateTable
CREATE TABLE "handoff_conversation" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "status" "HandoffStatus" NOT NULL DEFAULT 'waiting',
    "assigned_to" INTEGER,
    "assigned_role" "OperatorRole",
    "unread" INTEGER NOT NULL DEFAULT 0,
    "awaiting_since" TIMESTAMPTZ(3),
    "last_message_at" TIMESTAMPTZ(3) NOT NULL,
    "first_answer_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closed_at" TIMESTAMPTZ(3),
    "closed_by" VARCHAR(16),
    "resolution" VARCHAR(500),

    CONSTRAINT "handoff_conversation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "handoff_message" (
    "id" BIGSERIAL NOT NULL,
    "conversation_id" INTEGER NOT NULL,
    "author" "HandoffAuthor" NOT NULL,
    "operator_id" INTEGER,
    "text" VARCHAR(4000),
    "photo_ref" VARCHAR(512),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "handoff_message_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "handoff_conversation_user_id_status_idx" ON "handoff_conversation"("user_id", "status");

-- CreateIndex
CREATE INDEX "handoff_conversation_status_last_message_at_idx" ON "handoff_conversation"("status", "last_message_at");

-- CreateIndex
CREATE INDEX "handoff_message_conversation_id_id_idx" ON "handoff_message"("conversation_id", "id");

-- AddForeignKey
ALTER TABLE "handoff_conversation" ADD CONSTRAINT "handoff_conversation_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "messenger_user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "handoff_conversation" ADD CONSTRAINT "handoff_conversation_assigned_to_fkey" FOREIGN KEY ("assigned_to") REFERENCES "operator_user"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "handoff_message" ADD CONSTRAINT "handoff_message_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "handoff_conversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

