/**
 * Lists every exported symbol of the package that lacks its documentation, with file and line:
 * functions, classes, constants and namespaces without an `@example` (or whose examples do not
 * assert with `node:assert/strict`, or do not import their module by relative path, as
 * `deno test --doc` runs them), interfaces and type aliases without JSDoc, and class members,
 * interface fields and enum members without JSDoc. Exits 1 when anything is listed.
 *
 * Usage: deno run --allow-run --allow-read tools/doc_coverage.ts [--only PATH]... [ENTRY]...
 *
 * The entry points default to the `exports` of deno.json; `--only lib/io/` keeps the findings in
 * files under that path (repeatable). The symbols come from `deno doc --json`, so they are exactly
 * what JSR documents: everything reachable from the entry points, re-exports and namespaces
 * included, each reported once at its declaration.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { relative } from "node:path";

interface JsDocTag {
  kind: string;
  doc?: string;
}

interface JsDoc {
  doc?: string;
  tags?: JsDocTag[];
}

interface DocLocation {
  filename: string;
  /** 0-based, as `deno doc --json` writes it. */
  line: number;
}

interface Member {
  name: string;
  jsDoc?: JsDoc;
  location: DocLocation;
  accessibility?: string;
  kind?: string;
}

interface Declaration {
  kind: string;
  location: DocLocation;
  jsDoc?: JsDoc;
  declarationKind?: string;
  // deno-lint-ignore no-explicit-any
  def?: any;
}

interface DocSymbol {
  name: string;
  declarations: Declaration[];
}

/** One thing that lacks its documentation. */
export interface Finding {
  /** Path relative to the working directory. */
  file: string;
  /** 1-based line. */
  line: number;
  /** `Name` or `Name.member`. */
  symbol: string;
  /** What is missing. */
  problem: string;
}

/** Kinds that do something when called or read, and so need an example that runs. */
const NEEDS_EXAMPLE = new Set(["function", "class", "variable", "namespace", "enum"]);

function hasDoc(jsDoc: JsDoc | undefined): boolean {
  return (jsDoc?.doc ?? "").trim().length > 0;
}

/** An example that imports `node:assert/strict` and calls it. */
function asserts(example: string): boolean {
  return example.includes('"node:assert/strict"') && /\bassert(\.\w+)?\(/.test(example);
}

function examples(jsDoc: JsDoc | undefined): string[] {
  return (jsDoc?.tags ?? []).filter((tag) => tag.kind === "example").map((tag) => tag.doc ?? "");
}

/**
 * Collects the findings of every symbol in `symbols`, recursing into namespaces.
 *
 * @param symbols Symbols as `deno doc --json` lists them for one entry point.
 * @param prefix Namespace path of the symbols (`"keras."`), empty at the top.
 * @param seen Declarations already checked (`file:line:name`), shared across entry points.
 * @param out Where findings go.
 */
export function collectFindings(
  symbols: readonly DocSymbol[],
  prefix: string,
  seen: Set<string>,
  out: Finding[],
): void {
  for (const symbol of symbols) {
    // A "reference" points at a declaration documented under another entry point.
    const decls = symbol.declarations.filter((d) =>
      d.declarationKind !== "private" && d.kind !== "reference"
    );
    if (decls.length === 0) continue;
    const first = decls[0];
    const key = `${first.location.filename}:${first.location.line}:${symbol.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const name = prefix + symbol.name;
    const add = (location: DocLocation, symbolName: string, problem: string) =>
      out.push({
        file: relative(Deno.cwd(), new URL(location.filename).pathname),
        line: location.line + 1,
        symbol: symbolName,
        problem,
      });
    // Overloads: the symbol is documented when one of its declarations is.
    const documented = decls.find((d) => hasDoc(d.jsDoc)) ?? first;
    if (!hasDoc(documented.jsDoc)) {
      add(first.location, name, "no JSDoc");
    } else if (NEEDS_EXAMPLE.has(first.kind)) {
      const found = decls.flatMap((d) => examples(d.jsDoc));
      if (found.length === 0) add(first.location, name, "no @example");
      else if (!found.some(asserts)) {
        add(first.location, name, "@example asserts nothing (with node:assert/strict)");
      } else if (!found.some((ex) => /from "\.\.?\//.test(ex))) {
        add(first.location, name, "@example does not import its module by relative path");
      }
    }
    for (const decl of decls) {
      const def = decl.def ?? {};
      if (decl.kind === "namespace") {
        collectFindings(def.elements ?? [], `${name}.`, seen, out);
      } else if (decl.kind === "class") {
        const members: Member[] = [
          ...(def.constructors ?? []),
          ...(def.properties ?? []),
        ];
        const methods: Member[] = def.methods ?? [];
        // A getter and its setter are one member: documented when either is.
        const byName = new Map<string, Member[]>();
        for (const m of methods) byName.set(m.name, [...(byName.get(m.name) ?? []), m]);
        for (const group of byName.values()) {
          members.push(group.find((m) => hasDoc(m.jsDoc)) ?? group[0]);
        }
        for (const m of members) {
          if (m.accessibility === "private" || m.name.startsWith("#")) continue;
          if (!hasDoc(m.jsDoc)) add(m.location, `${name}.${m.name}`, "no JSDoc");
        }
      } else if (decl.kind === "interface") {
        for (const m of [...(def.properties ?? []), ...(def.methods ?? [])] as Member[]) {
          if (!hasDoc(m.jsDoc)) add(m.location, `${name}.${m.name}`, "no JSDoc");
        }
      } else if (decl.kind === "enum") {
        for (const m of (def.members ?? []) as Member[]) {
          if (!hasDoc(m.jsDoc)) add(m.location, `${name}.${m.name}`, "no JSDoc");
        }
      }
    }
  }
}

async function exportsOfConfig(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile("deno.json"));
  return Object.values(config.exports as Record<string, string>);
}

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { only: { type: "string", multiple: true } },
    allowPositionals: true,
  });
  const entries = positionals.length > 0 ? positionals : await exportsOfConfig();
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", ...entries],
    stderr: "inherit",
  }).output();
  if (!output.success) {
    console.error(`deno doc --json ${entries.join(" ")} failed`);
    return 2;
  }
  const doc = JSON.parse(new TextDecoder().decode(output.stdout));
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const node of Object.values(doc.nodes) as { symbols: DocSymbol[] }[]) {
    collectFindings(node.symbols, "", seen, findings);
  }
  const only = values.only ?? [];
  const kept = findings
    .filter((f) => only.length === 0 || only.some((p) => f.file.startsWith(p)))
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  for (const f of kept) console.log(`${f.file}:${f.line}: ${f.symbol}: ${f.problem}`);
  const scope = only.length > 0 ? ` in ${only.join(", ")}` : "";
  console.log(
    `${kept.length} undocumented of ${seen.size} exported symbols${scope} ` +
      `(entries: ${entries.join(" ")})`,
  );
  return kept.length === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
