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
