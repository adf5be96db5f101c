-- CreateTable
CREATE TABLE "web_outbox" (
    "id" BIGSERIAL NOT NULL,
    "address" VARCHAR(128) NOT NULL,
    "reply" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "web_outbox_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "web_photo" (
    "id" UUID NOT NULL,
    "address" VARCHAR(128) NOT NULL,
    "mime_type" VARCHAR(32) NOT NULL,
    "bytes" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "web_photo_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "web_outbox_address_id_idx" ON "web_outbox"("address", "id");

-- CreateIndex
CREATE INDEX "web_outbox_created_at_idx" ON "web_outbox"("created_at");

-- CreateIndex
CREATE INDEX "web_photo_address_idx" ON "web_photo"("address");

