-- CreateTable
CREATE TABLE "schedule_picture" (
    "key" VARCHAR(64) NOT NULL,
    "queue" VARCHAR(16) NOT NULL,
    "days" JSONB NOT NULL,
    "language" VARCHAR(2) NOT NULL,
    "png" BYTEA NOT NULL,
    "telegram_file_id" VARCHAR(256),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "schedule_picture_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "schedule_picture_created_at_idx" ON "schedule_picture"("created_at");

