// The console's pages and who may open them: one list that builds the navigation bar and guards
// every route (a page's routes call `allow(page)`), so adding a page is one entry here plus one
// route module.
import type { OperatorRole } from "../../generated/prisma/client.js";
import type { ConsoleKey } from "./i18n.js";

export type PageId =
  | "inbox"
  | "outages"
  | "schedules"
  | "readings"
  | "dashboard"
  | "accounts"
  | "users"
  | "tokens"
  | "audit"
  | "conversations";

export interface ConsolePage {
  id: PageId;
  path: string;
  title: ConsoleKey;
  roles: readonly OperatorRole[];
}

export const CONSOLE_PREFIX = "/console";

export const PAGES: readonly ConsolePage[] = [
  { id: "inbox", path: "/console/inbox", title: "nav.inbox", roles: ["dispatcher", "service", "admin"] },
  { id: "outages", path: "/console/outages", title: "nav.outages", roles: ["dispatcher", "admin"] },
  { id: "schedules", path: "/console/schedules", title: "nav.schedules", roles: ["dispatcher", "admin"] },
  { id: "readings", path: "/console/readings", title: "nav.readings", roles: ["billing", "admin"] },
  {
    id: "dashboard",
    path: "/console/dashboard",
    title: "nav.dashboard",
    roles: ["dispatcher", "service", "billing", "admin"],
  },
  {
    id: "accounts",
    path: "/console/accounts",
    title: "nav.accounts",
    roles: ["dispatcher", "service", "billing", "admin"],
  },
  { id: "users", path: "/console/users", title: "nav.users", roles: ["admin"] },
  { id: "tokens", path: "/console/tokens", title: "nav.tokens", roles: ["admin"] },
  { id: "audit", path: "/console/audit", title: "nav.audit", roles: ["admin"] },
  // "Write to a person": every role answers customers (routes/conversations.ts).
  {
    id: "conversations",
    path: "/console/conversations",
    title: "nav.conversations",
    roles: ["dispatcher", "service", "billing", "admin"],
  },
];

/** What each role may change, beyond opening a page. */
export const ACTIONS = {
  /** Outage reports: status, expected restoration time, comment. */
  workOutageReports: ["dispatcher", "admin"],
  /** Service orders: status, visit window, comment; also sees the customer's contact number. */
  workServiceOrders: ["service", "admin"],
  /** The full contact number of a service order (the crew calls it). */
  seeContactPhone: ["service"],
  publishOutages: ["dispatcher", "admin"],
  /** Outage schedules: publish a day's grid or DTEK's document, set the region-wide mode. */
  publishSchedules: ["dispatcher", "admin"],
  reviewReadings: ["billing", "admin"],
  manageUsers: ["admin"],
  /** Take, answer, transfer and close customers' conversations ("Write to a person"). */
  answerConversations: ["dispatcher", "service", "billing", "admin"],
} as const satisfies Record<string, readonly OperatorRole[]>;

export type Action = keyof typeof ACTIONS;

export function pageFor(id: PageId): ConsolePage {
  const page = PAGES.find((p) => p.id === id);
  if (!page) throw new Error(`no console page ${id}`);
  return page;
}

export function mayOpen(role: OperatorRole, id: PageId): boolean {
  return pageFor(id).roles.includes(role);
}

export function mayDo(role: OperatorRole, action: Action): boolean {
  return (ACTIONS[action] as readonly OperatorRole[]).includes(role);
}

/** The first page of a role after sign-in. */
export function homeOf(role: OperatorRole): string {
  return role === "billing"
    ? pageFor("readings").path
    : role === "admin"
      ? pageFor("dashboard").path
      : pageFor("inbox").path;
}
