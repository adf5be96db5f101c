// Writes a synthetic billing CSV (for load tests and benchmarks): `npm run generate:accounts -- <rows>
// <file.csv> [--bad-every N]`. Accounts are numbered from 3000000000; every Nth row is made invalid on
// purpose so the import report has rejections to list.
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { ACCOUNT_CSV_COLUMNS } from "../src/import/accounts-csv.js";
import { eicCheckCharacter } from "../src/import/eic.js";

const [rowsArg, file, flag, badArg] = process.argv.slice(2);
const rows = Number(rowsArg);
if (!Number.isInteger(rows) || rows <= 0 || !file) {
  console.error("usage: npm run generate:accounts -- <rows> <file.csv> [--bad-every N]");
  process.exit(2);
}
const badEvery = flag === "--bad-every" ? Number(badArg) : 0;

export function syntheticAccountRow(i: number): string {
  const number = String(3_000_000_000 + i);
  // A body whose check value would be 36 ('-') is never issued: use the next letter instead.
  let body = `62Z5${String(i).padStart(11, "0")}`;
  if (eicCheckCharacter(body) === null) body = `62Z6${String(i).padStart(11, "0")}`;
  const eic = body + (eicCheckCharacter(body) ?? "");
  const zones = (i % 3) + 1;
  const phone = `+38067${String(1_000_000 + (i % 9_000_000)).padStart(7, "0")}`;
  const area = `AREA-${String(i % 500).padStart(3, "0")}`;
  const t = [
    10_000 + (i % 50_000),
    zones >= 2 ? 5_000 + (i % 40_000) : "",
    zones === 3 ? 3_000 + (i % 30_000) : "",
  ];
  return [
    number,
    eic,
    `Абонент ${i}`,
    phone,
    "Дніпро",
    `вул. Тестова ${i % 300}`,
    String(1 + (i % 120)),
    String(1 + (i % 200)),
    area,
    `SN${number}`,
    "6",
    String(zones),
    "2026-10-31",
    ...t,
  ].join(",");
}

const out = createWriteStream(file);
out.write(`${ACCOUNT_CSV_COLUMNS.join(",")}\n`);
for (let i = 0; i < rows; i++) {
  let line = syntheticAccountRow(i);
  if (badEvery > 0 && i % badEvery === badEvery - 1) line = line.replace(/,6,(\d),/, ",6,7,"); // zones 7: invalid
  if (!out.write(`${line}\n`)) await once(out, "drain");
}
out.end();
await once(out, "finish");
console.log(`wrote ${rows} rows to ${file}`);
