-- CreateIndex
CREATE INDEX "handoff_message_photo_ref_idx" ON "handoff_message"("photo_ref");

