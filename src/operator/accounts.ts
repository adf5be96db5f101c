// What an operator sees of one account: the account itself, who manages it from which messenger
// (phones masked: operators identify people, they do not harvest numbers) and its last readings.
import type { Channel, PrismaClient, ReadingSource, ReadingStatus } from "../generated/prisma/client.js";
import { readingPhotoPath } from "./api-paths.js";
import { NotFoundError } from "./errors.js";

/** Readings shown with an account: about a year of monthly submissions. */
const LAST_READINGS = 12;

/** Keeps the country code and the last two digits: "380*******67". */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, "");
  if (digits.length <= 5) return "*".repeat(digits.length);
  return digits.slice(0, 3) + "*".repeat(digits.length - 5) + digits.slice(-2);
}

export interface LinkedUserView {
  userId: number;
  label: string;
  verifiedBy: "phone" | "serial_surname" | "operator";
  linkedAt: Date;
  language: "uk" | "en";
  status: "active" | "blocked" | "unsubscribed";
  phone: string | null;
}

export interface AccountView {
  number: string;
  eic: string | null;
  holderName: string;
  phones: string[];
  address: { settlement: string; street: string; building: string; apartment: string | null };
  areaCode: string;
  meter: { serial: string; digits: number; zones: number };
  linkedUsers: Record<Channel, LinkedUserView[]>;
  lastReadings: {
    period: string;
    t1: number;
    t2: number | null;
    t3: number | null;
    takenAt: Date;
    source: ReadingSource;
    status: ReadingStatus;
    flagReason: string | null;
    /** Where the operator API serves the meter photo; null without one. */
    photoUrl: string | null;
  }[];
}

export async function getAccountView(prisma: PrismaClient, number: string): Promise<AccountView> {
  const account = await prisma.account.findUnique({
    where: { number },
    include: {
      links: { include: { user: true }, orderBy: { createdAt: "asc" } },
      readings: { orderBy: [{ takenAt: "desc" }, { id: "desc" }], take: LAST_READINGS },
    },
  });
  if (!account) throw new NotFoundError("account", number);
  const linkedUsers: Record<Channel, LinkedUserView[]> = { telegram: [], viber: [], web: [] };
  for (const link of account.links) {
    linkedUsers[link.user.channel].push({
      userId: link.userId,
      label: link.label,
      verifiedBy: link.verifiedBy,
      linkedAt: link.createdAt,
      language: link.user.language,
      status: link.user.status,
      phone: link.user.phone ? maskPhone(link.user.phone) : null,
    });
  }
  return {
    number: account.number,
    eic: account.eic,
    holderName: account.holderName,
    phones: account.phones.map(maskPhone),
    address: {
      settlement: account.settlement,
      street: account.street,
      building: account.building,
      apartment: account.apartment,
    },
    areaCode: account.areaCode,
    meter: { serial: account.meterSerial, digits: account.meterDigits, zones: account.zones },
    linkedUsers,
    lastReadings: account.readings.map((r) => ({
      period: r.period,
      t1: r.t1,
      t2: r.t2,
      t3: r.t3,
      takenAt: r.takenAt,
      source: r.source,
      status: r.status,
      flagReason: r.flagReason,
      photoUrl: r.photoRef === null ? null : readingPhotoPath(r.id),
    })),
  };
}
