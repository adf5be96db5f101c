// A meter's serial number (заводський номер) as billing stores it and as a customer types it from
// the meter's plate. Electricity meters carry 6-12 (up to about 20) digits, some with letters and
// separators ("0123 4567", "12345678/05/19"); a Ukrainian keyboard types Cyrillic look-alikes of
// Latin letters. Both sides are compared in one normal form: upper case, separators dropped,
// Cyrillic look-alikes as Latin. The import and the verification step accept the same serials.

/** Separators printed or typed between a serial's characters; they never distinguish two meters. */
const SEPARATORS = /[\s\-_/.№#]/g;

/** Cyrillic capitals that look like Latin ones: "А12" typed in Cyrillic is the plate's "A12". */
const LOOK_ALIKES: Record<string, string> = {
  А: "A",
  В: "B",
  Е: "E",
  К: "K",
  М: "M",
  Н: "H",
  О: "O",
  Р: "P",
  С: "C",
  Т: "T",
  У: "Y",
  Х: "X",
  І: "I",
};

export const METER_SERIAL_MAX_LENGTH = 32;

export function normalizeMeterSerial(value: string): string {
  return value
    .toUpperCase()
    .replace(SEPARATORS, "")
    .replace(/[АВЕКМНОРСТУХІ]/g, (letter) => LOOK_ALIKES[letter] ?? letter);
}

/**
 * A normalised serial is 3-32 letters and digits with at least one digit: no real serial is
 * shorter or has no digit, while billing placeholders ("0", "-", "н/д", "НЕМАЄ") do.
 */
export function isMeterSerial(normalized: string): boolean {
  return /^[\p{Lu}0-9]{3,32}$/u.test(normalized) && /[0-9]/.test(normalized);
}
