// Phone numbers as the company files them: digits only with the country code (380XXXXXXXXX).
// Platforms send them with or without "+", users type them with spaces, dashes or a leading 0.

/** Normalises a Ukrainian number to 380XXXXXXXXX; null when it is not one. */
export function normalizeUaPhone(raw: string): string | null {
  if (!/^[\d\s()+\-.]{9,25}$/.test(raw.trim())) return null;
  const digits = raw.replace(/\D/g, "");
  if (/^380\d{9}$/.test(digits)) return digits;
  if (/^0\d{9}$/.test(digits)) return `38${digits}`;
  if (/^[1-9]\d{8}$/.test(digits)) return `380${digits}`;
  return null;
}

/** A shared contact's number: Ukrainian ones normalised, foreign ones kept as digits (they never match a file). */
export function normalizeSharedPhone(raw: string): string | null {
  const ua = normalizeUaPhone(raw);
  if (ua) return ua;
  const digits = raw.replace(/\D/g, "");
  return /^\d{8,15}$/.test(digits) ? digits : null;
}

/** +380 67 123 45 67 */
export function showPhone(normalized: string): string {
  const match = /^380(\d{2})(\d{3})(\d{2})(\d{2})$/.exec(normalized);
  return match ? `+380 ${match[1]} ${match[2]} ${match[3]} ${match[4]}` : `+${normalized}`;
}
