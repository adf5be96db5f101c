// Address lookup keys: what people type and what billing writes differ in case, apostrophes, street
// type words ("вул.", "вулиця", "просп.") and settlement prefixes ("м.", "смт"). Both sides are reduced
// to the same key, so "вулиця Січеславська" finds "вул. Січеславська" and "Кам'янське" finds "Камʼянське".

/** Street and settlement type words dropped from keys (with or without a dot). */
const TYPE_WORDS = new Set([
  "вул",
  "вулиця",
  "пр",
  "пр-т",
  "просп",
  "проспект",
  "пров",
  "провулок",
  "бул",
  "бульвар",
  "пл",
  "площа",
  "наб",
  "набережна",
  "узвіз",
  "шосе",
  "ш",
  "туп",
  "тупик",
  "м",
  "місто",
  "смт",
  "с",
  "село",
  "сел",
  "селище",
  "street",
  "st",
  "avenue",
  "ave",
  "city",
]);

/** One key per address part: lower case, apostrophes and dashes unified, type words dropped. */
export function addressKey(value: string): string {
  const words = value
    .normalize("NFC")
    .toLowerCase()
    .replace(/[ʼ'`’‘"«»]/g, "")
    .replace(/ё/g, "е")
    .replace(/[.,;:()№#]/g, " ")
    .split(/\s+/)
    .filter((word) => word !== "" && !TYPE_WORDS.has(word));
  return words.join(" ");
}

/** A building key: "10-А", "10 а", "буд. 10а" and "10A" (Latin) are one building; "12-14" and "10/2" stay apart. */
export function buildingKey(value: string): string {
  return value
    .normalize("NFC")
    .toLowerCase()
    .replace(/^(будинок|буд|б)\.?\s*/u, "")
    .replace(/\s+/g, "")
    .replace(/a/g, "а")
    .replace(/b/g, "б")
    .replace(/c/g, "с")
    .replace(/e/g, "е")
    .replace(/(\d)[-.](\p{L})/gu, "$1$2");
}
