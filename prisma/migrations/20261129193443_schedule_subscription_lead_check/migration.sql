-- A schedule subscription's lead time is one of the offered choices: 0 (no warnings), 15, 30 or 60 minutes.
-- Prisma's schema cannot express a CHECK, so it is written here by hand (the drift test knows it).
ALTER TABLE "schedule_subscription"
  ADD CONSTRAINT "schedule_subscription_lead_minutes_check" CHECK ("lead_minutes" IN (0, 15, 30, 60));
