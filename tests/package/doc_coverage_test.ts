import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("../../tools/doc_coverage.ts", import.meta.url));

// A module with one export of each kind the script judges, documented or not, and a second
// module re-exported by the first (its findings are reported once, at its own file).
const MODULE = `/**
 * A module.
 *
 * @module
 */
export * from "./more.ts";

/**
 * Documented, with an example that asserts.
 *
 * @example
 * \`\`\`ts
 * import assert from "node:assert/strict";
 * import { good } from "./mod.ts";
 * assert.equal(good(), 1);
 * \`\`\`
 */
export function good(): number {
  return 1;
}

/** Documented, but without an example. */
export function noExample(): number {
  return 2;
}

/**
 * An example that only prints.
 *
 * @example
 * \`\`\`ts
 * import { PRINTED } from "./mod.ts";
 * console.log(PRINTED);
 * \`\`\`
 */
export const PRINTED = 3;

/** A shape; one field lacks its JSDoc. */
export interface Shape {
  /** Documented. */
  width: number;
  height: number;
}

export type Bare = number;

/**
 * A class whose constructor has only tags.
 *
 * @example
 * \`\`\`ts
 * import assert from "node:assert/strict";
 * import { Box } from "./mod.ts";
 * assert.equal(new Box(2).size, 2);
 * \`\`\`
 */
export class Box {
  /** The size. */
  readonly size: number;
  /** @param size the size */
  constructor(size: number) {
    this.size = size;
  }
  #hidden = 0;
  /** Documented. */
  grow(): number {
    return this.size + this.#hidden;
  }
}
`;

const MORE = `/**
 * An example that does not import its module by relative path.
 *
 * @example
 * \`\`\`ts
 * import assert from "node:assert/strict";
 * assert.equal(1 + 1, 2);
 * \`\`\`
 */
export function elsewhere(): void {}
`;

Deno.test("doc_coverage lists each undocumented export once, with file and line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "doc_coverage_" });
  try {
    await Deno.writeTextFile(join(dir, "mod.ts"), MODULE);
    await Deno.writeTextFile(join(dir, "more.ts"), MORE);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-run", "--allow-read", SCRIPT, "mod.ts"],
      cwd: dir,
      env: { NO_COLOR: "1" },
    }).output();
    const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
    assert.equal(out.code, 1);
    assert.deepEqual(lines, [
      "mod.ts:23: noExample: no @example",
      "mod.ts:36: PRINTED: @example asserts nothing (with node:assert/strict)",
      "mod.ts:42: Shape.height: no JSDoc",
      "mod.ts:45: Bare: no JSDoc",
      "mod.ts:61: Box.constructor: no JSDoc",
      "more.ts:10: elsewhere: @example does not import its module by relative path",
      "6 undocumented of 7 exported symbols (entries: mod.ts)",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("doc_coverage exits 0 when every export is documented", async () => {
  const dir = await Deno.makeTempDir({ prefix: "doc_coverage_" });
  try {
    await Deno.writeTextFile(
      join(dir, "mod.ts"),
      MODULE.slice(0, MODULE.indexOf('export * from "./more.ts";')) +
        MODULE.slice(
          MODULE.indexOf("/**\n * Documented, with"),
          MODULE.indexOf("/** Documented, but"),
        ),
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-run", "--allow-read", SCRIPT, "mod.ts"],
      cwd: dir,
      env: { NO_COLOR: "1" },
    }).output();
    assert.equal(
      new TextDecoder().decode(out.stdout).trim(),
      "0 undocumented of 1 exported symbols (entries: mod.ts)",
    );
    assert.equal(out.code, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
