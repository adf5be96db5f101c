// The main menu's button ids (m:*), in a file of their own so flows that offer menu entries (the
// hand-off's self-service buttons) need not import the menu, which imports them.
import { SCHED } from "./outage-schedule.js";

export const MENU = {
  reading: "m:read",
  outage: "m:outage",
  order: "m:order",
  requests: "m:requests",
  history: "m:history",
  accounts: "m:accounts",
  addAccount: "m:add",
  settings: "m:settings",
  help: "m:help",
  schedule: SCHED.view,
  person: "m:person",
} as const;
