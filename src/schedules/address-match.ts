// Finding what people type in the address directory: exact by key first (address-key.ts makes
// "вулиця Січеславська", "вул. січеславська" and "Січеславська" one key), else the closest names by
// a typo-tolerant score (edit distance of the keys, also against each word, and trigram overlap).
// Pure: the engine's schedule flow passes the names the directory holds.
import { addressKey } from "./address-key.js";

export interface AddressMatch {
  /** The directory's name, exactly as published. */
  name: string;
  /** 0..1, 1 = same key. */
  score: number;
}

export type MatchResult =
  { kind: "exact"; name: string } | { kind: "close"; candidates: AddressMatch[] } | { kind: "none" };

/** Levenshtein distance (insert, delete, substitute; an adjacent swap counts as one). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const x = [...a];
  const y = [...b];
  if (x.length === 0) return y.length;
  if (y.length === 0) return x.length;
  let prevPrev: number[] = [];
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i += 1) {
    const row = [i];
    for (let j = 1; j <= y.length; j += 1) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let best = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) {
        best = Math.min(best, (prevPrev[j - 2] ?? 0) + 1);
      }
      row.push(best);
    }
    prevPrev = prev;
    prev = row;
  }
  return prev[y.length] ?? 0;
}

function trigrams(value: string): Set<string> {
  const padded = `  ${value} `;
  const grams = new Set<string>();
  for (let i = 0; i + 3 <= padded.length; i += 1) grams.add(padded.slice(i, i + 3));
  return grams;
}

function trigramSimilarity(a: string, b: string): number {
  const ga = trigrams(a);
  const gb = trigrams(b);
  let shared = 0;
  for (const gram of ga) if (gb.has(gram)) shared += 1;
  return shared / (ga.size + gb.size - shared || 1);
}

function editSimilarity(a: string, b: string): number {
  const longest = Math.max([...a].length, [...b].length);
  return longest === 0 ? 1 : 1 - editDistance(a, b) / longest;
}

/** How alike a typed key is to a directory key: the best of whole-key and per-word comparisons. */
export function similarity(typed: string, candidate: string): number {
  if (typed === candidate) return 1;
  let best = Math.max(editSimilarity(typed, candidate), trigramSimilarity(typed, candidate));
  // "Січеславська" typed for "Січеславська Набережна": compare against each word too (a bit less).
  const words = candidate.split(" ");
  if (words.length > 1) {
    for (const word of words) best = Math.max(best, 0.9 * editSimilarity(typed, word));
  }
  if (candidate.startsWith(typed) && typed.length >= 3) best = Math.max(best, 0.85);
  return best;
}

/** Scores below this are not offered: a random street shares some letters with any input. */
export const MIN_SCORE = 0.5;

/** The directory names matching typed text: exact by key, else up to `limit` close ones, best first. */
export function matchAddress(typed: string, names: readonly string[], limit = 6): MatchResult {
  const key = addressKey(typed);
  if (key === "") return { kind: "none" };
  const exact = names.filter((name) => addressKey(name) === key);
  if (exact.length === 1 && exact[0] !== undefined) return { kind: "exact", name: exact[0] };
  if (exact.length > 1)
    return { kind: "close", candidates: exact.slice(0, limit).map((name) => ({ name, score: 1 })) };
  const scored = names
    .map((name) => ({ name, score: similarity(key, addressKey(name)) }))
    .filter((match) => match.score >= MIN_SCORE)
    .sort((a, b) => b.score - a.score || a.name.localeCompare(b.name, "uk"));
  if (scored.length === 0) return { kind: "none" };
  return { kind: "close", candidates: scored.slice(0, limit) };
}
