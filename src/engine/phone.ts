// Ukrainian phone numbers in one canonical form: digits with the country code, 380XXXXXXXXX.
// Used by the billing import (phones on file) and by verification (phones shared in messengers).

/** Returns 380XXXXXXXXX, or null when the input is not a Ukrainian phone number. */
export function normalizeUaPhone(input: string): string | null {
  const digits = input.replace(/[\s()+.-]/g, "");
  if (!/^\d+$/.test(digits)) return null;
  if (/^380\d{9}$/.test(digits)) return digits;
  if (/^80\d{9}$/.test(digits)) return `3${digits}`;
  if (/^0\d{9}$/.test(digits)) return `38${digits}`;
  return null;
}

/** For display and logs where a hint is useful: +380 ** *** ** 67. */
export function maskPhone(normalized: string): string {
  return `+${normalized.slice(0, 3)} ** *** ** ${normalized.slice(-2)}`;
}

/** A shared contact's number: Ukrainian ones normalised, foreign ones kept as digits (they never match a file). */
export function normalizeSharedPhone(raw: string): string | null {
  const ua = normalizeUaPhone(raw);
  if (ua) return ua;
  const digits = raw.replace(/\D/g, "");
  return /^\d{8,15}$/.test(digits) ? digits : null;
}

/** For the customer's own eyes (never logs): +380 67 123 45 67. */
export function showPhone(normalized: string): string {
  const match = /^380(\d{2})(\d{3})(\d{2})(\d{2})$/.exec(normalized);
  return match ? `+380 ${match[1]} ${match[2]} ${match[3]} ${match[4]}` : `+${normalized}`;
}
