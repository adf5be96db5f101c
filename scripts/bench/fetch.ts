// `npm run bench -- fetch`: CPU per Bot API call of grammY's default fetch (node-fetch 2) against the
// service's json-fetch (src/channels/telegram/json-fetch.ts), the same sendMessage with a keyboard to
// a local server that answers at once, 16 in flight. Alternated --runs times; medians of CPU time
// (user + system of this process, client and server together: the server's share is the same for both).
import http from "node:http";
import { Api } from "grammy";
import { jsonFetch } from "../../src/channels/telegram/json-fetch.js";

export async function benchFetch(options: { runs: number; calls: number }): Promise<{
  microsecondsPerCall: Record<"grammyDefault" | "jsonFetch", number[]>;
  median: Record<"grammyDefault" | "jsonFetch", number>;
}> {
  const answer = JSON.stringify({
    ok: true,
    result: { message_id: 1, date: 1, chat: { id: 1, type: "private" }, text: "x" },
  });
  const server = http.createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const apiRoot = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  const clients = {
    grammyDefault: new Api("123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ", { apiRoot }),
    jsonFetch: new Api("123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ", {
      apiRoot,
      fetch: jsonFetch as unknown as typeof fetch,
    }),
  };
  const run = async (api: Api, calls: number): Promise<number> => {
    let next = 0;
    const started = process.cpuUsage();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next++ < calls) {
          await api.sendMessage(1, "Показники прийнято. Дякуємо!", {
            reply_markup: { inline_keyboard: [[{ text: "🏠 Меню", callback_data: "m:menu" }]] },
          });
        }
      }),
    );
    const used = process.cpuUsage(started);
    return (used.user + used.system) / calls;
  };
  const result = { grammyDefault: [] as number[], jsonFetch: [] as number[] };
  try {
    for (const api of Object.values(clients)) await run(api, 1_000); // warm-up
    for (let i = 0; i < options.runs; i += 1) {
      for (const [name, api] of Object.entries(clients) as [keyof typeof clients, Api][]) {
        result[name].push(Math.round(await run(api, options.calls)));
      }
    }
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  return {
    microsecondsPerCall: result,
    median: { grammyDefault: median(result.grammyDefault), jsonFetch: median(result.jsonFetch) },
  };
}
