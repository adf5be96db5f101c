import { expect, it } from "vitest";
import { addressKey, buildingKey } from "../../src/schedules/address-key.js";
it("keys", () => {
  expect(addressKey("вулиця Січеславська")).toBe(addressKey("вул. Січеславська"));
  expect(addressKey("Кам'янське")).toBe(addressKey("м. Камʼянське"));
  expect(addressKey("просп. Дмитра Яворницького")).toBe("дмитра яворницького");
  expect(buildingKey("10-А")).toBe("10а");
  expect(buildingKey("буд. 10a")).toBe("10а");
  expect(buildingKey("12-14")).toBe("12-14");
  expect(buildingKey("10/2")).toBe("10/2");
});
