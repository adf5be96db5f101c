// The typo-tolerant address matcher: exact by key, else close names best first.
import { describe, expect, it } from "vitest";
import { editDistance, matchAddress } from "../../src/schedules/address-match.js";

const streets = [
  "вул. Січеславська Набережна",
  "вул. Робоча",
  "просп. Дмитра Яворницького",
  "вул. Кам'янська",
  "вул. Робітнича",
  "вул. Калинова",
  "вул. Гоголя",
];

describe("editDistance", () => {
  it("counts inserts, deletes, substitutions and adjacent swaps", () => {
    expect(editDistance("робоча", "робоча")).toBe(0);
    expect(editDistance("робоча", "робача")).toBe(1);
    expect(editDistance("робоча", "рбоча")).toBe(1);
    expect(editDistance("робоча", "орбоча")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
  });
});

describe("matchAddress", () => {
  it("finds a street exactly whatever the case and the type word", () => {
    expect(matchAddress("вулиця робоча", streets)).toEqual({ kind: "exact", name: "вул. Робоча" });
    expect(matchAddress("РОБОЧА", streets)).toEqual({ kind: "exact", name: "вул. Робоча" });
    expect(matchAddress("проспект Дмитра Яворницького", streets)).toEqual({
      kind: "exact",
      name: "просп. Дмитра Яворницького",
    });
  });

  it("treats every apostrophe alike", () => {
    for (const typed of ["Кам'янська", "Камʼянська", "Кам’янська", "камянська"]) {
      expect(matchAddress(typed, streets)).toEqual({ kind: "exact", name: "вул. Кам'янська" });
    }
  });

  it("offers close names for a typo, best first", () => {
    const result = matchAddress("Робача", streets);
    expect(result.kind).toBe("close");
    if (result.kind !== "close") return;
    expect(result.candidates[0]?.name).toBe("вул. Робоча");
    expect(result.candidates.length).toBeLessThanOrEqual(6);
  });

  it("finds a street by one of its words with a typo", () => {
    const result = matchAddress("Яворницкого", streets);
    expect(result.kind).toBe("close");
    if (result.kind === "close") expect(result.candidates[0]?.name).toBe("просп. Дмитра Яворницького");
  });

  it("offers nothing for text that is not like any name", () => {
    expect(matchAddress("Хрещатик", streets)).toEqual({ kind: "none" });
    expect(matchAddress("вул.", streets)).toEqual({ kind: "none" });
  });

  it("limits the candidates", () => {
    const many = Array.from({ length: 20 }, (_, i) => `Робоча ${i}`);
    const result = matchAddress("Робча", many, 4);
    expect(result.kind === "close" && result.candidates.length).toBe(4);
  });
});
