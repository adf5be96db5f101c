// Shared set-up for the console tests: the console and the operator API on buildServer (inject
// only) over a test database, console users, and a signed-in "browser" that keeps its cookie and
// reads the CSRF token from the pages it gets, as a person's browser would.
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import pino from "pino";
import { createSqlPool } from "../../src/db/client.js";
import type { OperatorRole, PrismaClient } from "../../src/generated/prisma/client.js";
import { consolePlugin, type ConsoleOptions } from "../../src/http/console/plugin.js";
import { createMetrics } from "../../src/http/metrics.js";
import { operatorApi } from "../../src/http/operator/plugin.js";
import { buildServer } from "../../src/http/server.js";
import { createOperatorUser } from "../../src/operator/operator-users.js";
import type { OperatorNotifier } from "../../src/operator/notify.js";
import { BOOTSTRAP_TOKEN, RecordingNotifier } from "../operator/support.js";

export const PASSWORD = "correct horse battery";

export async function buildConsoleApp(
  database: { prisma: PrismaClient; url: string },
  options: Partial<Omit<ConsoleOptions, "prisma">> & { notifier?: OperatorNotifier } = {},
): Promise<FastifyInstance> {
  const pool = createSqlPool(database.url, { max: 2 });
  const notifier = options.notifier ?? new RecordingNotifier();
  const app = await buildServer({
    logger: pino({ level: "silent" }),
    metrics: createMetrics({ defaultMetrics: false }),
    readiness: async () => ({ ready: true, checks: {} }),
    plugins: [
      consolePlugin({ ...options, prisma: database.prisma, notifier }),
      operatorApi({
        prisma: database.prisma,
        sql: pool,
        notifier,
        bootstrapToken: BOOTSTRAP_TOKEN,
        ...(options.now ? { now: options.now } : {}),
      }),
    ],
  });
  app.addHook("onClose", async () => {
    await pool.end();
  });
  await app.ready();
  return app;
}

export async function createUser(prisma: PrismaClient, login: string, role: OperatorRole): Promise<void> {
  await createOperatorUser(prisma, { login, role, password: PASSWORD });
}

export const COOKIE = "console_session";

export function sessionCookie(response: LightMyRequestResponse): string | undefined {
  const cookie = response.cookies.find((c) => c.name === COOKIE || c.name === `__Host-${COOKIE}`);
  return cookie?.value;
}

/** A browser's view of the console: one cookie jar, the last CSRF token seen on a page. */
export class ConsoleBrowser {
  cookie: string | undefined;
  csrf: string | undefined;
  constructor(
    private readonly app: FastifyInstance,
    private readonly address = "10.0.0.1",
  ) {}

  async signIn(login: string, password = PASSWORD): Promise<LightMyRequestResponse> {
    const response = await this.app.inject({
      method: "POST",
      url: "/console/sign-in",
      remoteAddress: this.address,
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        ...(this.cookie ? { cookie: `${COOKIE}=${this.cookie}` } : {}),
      },
      payload: new URLSearchParams({ login, password }).toString(),
    });
    const cookie = sessionCookie(response);
    if (cookie) this.cookie = cookie;
    return response;
  }

  async get(url: string): Promise<LightMyRequestResponse> {
    const response = await this.app.inject({
      method: "GET",
      url,
      remoteAddress: this.address,
      headers: this.cookie ? { cookie: `${COOKIE}=${this.cookie}` } : {},
    });
    const token = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1];
    if (token) this.csrf = token;
    return response;
  }

  /** Posts a file as the conversation page's script does: the bytes as the body, CSRF in a header. */
  async postImage(url: string, bytes: Buffer, contentType = "image/png"): Promise<LightMyRequestResponse> {
    return this.app.inject({
      method: "POST",
      url,
      remoteAddress: this.address,
      headers: {
        "content-type": contentType,
        ...(this.cookie ? { cookie: `${COOKIE}=${this.cookie}` } : {}),
        "x-csrf-token": this.csrf ?? "",
      },
      payload: bytes,
    });
  }

  /** Posts a form; the CSRF token is added unless `csrf` says otherwise (null: none at all). */
  async post(url: string, form: Record<string, string>, csrf: string | null = this.csrf ?? null) {
    const fields = new URLSearchParams(form);
    if (csrf !== null) fields.set("_csrf", csrf);
    return this.app.inject({
      method: "POST",
      url,
      remoteAddress: this.address,
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        ...(this.cookie ? { cookie: `${COOKIE}=${this.cookie}` } : {}),
      },
      payload: fields.toString(),
    });
  }
}
