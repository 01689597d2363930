import assert from "node:assert/strict";
import { JUPYTER_DISPLAY } from "../../lib/report/display.ts";
import { Table, table } from "../../lib/report/table.ts";

Deno.test("Table: HTML escaped, Markdown, aligned text, display bundle", () => {
  const t = new Table(["name", "value"], [["<b>x|y</b>", 0.123456789123], ["n", 16777216], [
    "none",
    null,
  ]], {
    caption: "A & B",
  });
  assert.deepEqual(t.text(), [["name", "value"], ["<b>x|y</b>", "0.12345679"], ["n", "16777216"], [
    "none",
    "",
  ]]);
  const html = t.toHTML();
  assert.ok(html.includes("<caption>A &amp; B</caption>"));
  assert.ok(html.includes("<td>&lt;b&gt;x|y&lt;/b&gt;</td>"));
  assert.ok(!html.includes("<b>"));
  assert.equal(
    t.toMarkdown(),
    "**A & B**\n\n| name | value |\n| --- | --- |\n| <b>x\\|y</b> | 0.12345679 |\n| n | 16777216 |\n| none |  |",
  );
  assert.equal(
    t.toString(),
    "A & B\nname        value\n----------  ----------\n<b>x|y</b>  0.12345679\nn           16777216\nnone",
  );
  assert.deepEqual(Object.keys(t[JUPYTER_DISPLAY]()).sort(), [
    "text/html",
    "text/markdown",
    "text/plain",
  ]);
  assert.equal(table(["v"], [[1.5]], { format: (v) => v.toFixed(3) }).text()[1][0], "1.500");
  assert.throws(() => table(["a", "b"], [[1]]), /Expected row 0 to have 2 cells, but found 1/);
  assert.throws(() => table([], []), /Expected columns to be a non-empty array/);
});

Deno.test("JUPYTER_DISPLAY is the symbol Deno's kernel looks up", () => {
  // The kernel finds displayable objects by Symbol.for("Jupyter.display"); a private symbol
  // would silently show "[object Object]" instead of the table.
  assert.equal(JUPYTER_DISPLAY, Symbol.for("Jupyter.display"));
  const t = table(["a"], [[1]]) as unknown as Record<symbol, () => Record<string, string>>;
  assert.equal(typeof t[Symbol.for("Jupyter.display")], "function");
});
