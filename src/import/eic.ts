// EIC (Energy Identification Code) check character, as ENTSO-E defines it: 16 characters, the last
// one computed from the first 15 (weights 16..2, values 0-9, A-Z = 10-35, '-' = 36, mod 37).
const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-";

export function eicCheckCharacter(first15: string): string | null {
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const value = alphabet.indexOf(first15[i] ?? "");
    if (value < 0) return null;
    sum += value * (16 - i);
  }
  const check = 36 - ((sum - 1) % 37);
  return check === 36 ? null : (alphabet[check] ?? null);
}

export function isValidEic(eic: string): boolean {
  if (!/^[0-9A-Z-]{16}$/.test(eic)) return false;
  return eicCheckCharacter(eic.slice(0, 15)) === eic[15];
}
