// `npm run operator:user -- create <login> --role <role> | list | disable <login> | enable <login> |
// reset-password <login>`: manages console users in the database the configuration names
// (DATABASE_URL, or the embedded one under DATA_DIR when the service is not running on it).
// The password is asked twice on a terminal (not echoed), or read from stdin's first line with
// --password-stdin (for scripts: `printf '%s\n' "$PW" | npm run operator:user -- create ...`).
import { createInterface } from "node:readline";
import { runUserCommand } from "../src/operator/user-cli.js";
import { withConfiguredDatabase } from "./with-database.js";

async function firstLineOfStdin(): Promise<string> {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return "";
}

/** Reads a line from the terminal without echoing it. */
function askHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    if (!stdin.isTTY) {
      reject(new Error("no terminal to ask for a password: use --password-stdin"));
      return;
    }
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding("utf8");
    let value = "";
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === "\r" || char === "\n") {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off("data", onData);
          process.stderr.write("\n");
          resolve(value);
          return;
        }
        if (char === "\u0003") {
          stdin.setRawMode(false);
          process.stderr.write("\n");
          process.exit(130);
        }
        if (char === "\u007f") value = value.slice(0, -1);
        else value += char;
      }
    };
    stdin.on("data", onData);
  });
}

await withConfiguredDatabase((db) =>
  runUserCommand(db.prisma, process.argv.slice(2), {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    async readPassword(fromStdin) {
      if (fromStdin) return firstLineOfStdin();
      const first = await askHidden("Password: ");
      const second = await askHidden("Repeat the password: ");
      if (first !== second) throw new Error("the two passwords differ; nothing changed");
      return first;
    },
  }),
);
