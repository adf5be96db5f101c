-- CreateTable
CREATE TABLE "schedule_day_notice" (
    "queue" VARCHAR(16) NOT NULL,
    "date" DATE NOT NULL,
    "audience" VARCHAR(8) NOT NULL,
    "slots" VARCHAR(48) NOT NULL,
    "publication_id" INTEGER NOT NULL,
    "told_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "schedule_day_notice_pkey" PRIMARY KEY ("queue","date","audience")
);

-- CreateIndex
CREATE INDEX "schedule_day_notice_date_idx" ON "schedule_day_notice"("date");

