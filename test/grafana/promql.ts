// A small PromQL parser for the dashboard lint tests: enough of the grammar (selectors, ranges,
// subqueries, functions, aggregations, binary operators with matching modifiers) to walk a query
// the way grafana/dashboard-linter does with Prometheus' own parser. Grafana variables are kept
// as text: `$__rate_interval` is a valid range, `"$job"` a valid string.

interface Matcher {
  name: string;
  op: "=" | "!=" | "=~" | "!~";
  value: string;
}
export type Node =
  | { kind: "selector"; name?: string; matchers: Matcher[] }
  | { kind: "matrix"; vector: Node; range: string }
  | { kind: "subquery"; expr: Node; range: string; step?: string }
  | { kind: "call"; func: string; args: Node[] }
  | { kind: "aggregate"; op: string; args: Node[]; grouping: string[]; without: boolean }
  | { kind: "binary"; op: string; lhs: Node; rhs: Node }
  | { kind: "unary"; op: string; expr: Node }
  | { kind: "paren"; expr: Node }
  | { kind: "number"; value: number }
  | { kind: "string"; value: string };

const AGGREGATIONS = new Set([
  "sum",
  "min",
  "max",
  "avg",
  "group",
  "stddev",
  "stdvar",
  "count",
  "count_values",
  "bottomk",
  "topk",
  "quantile",
  "limitk",
  "limit_ratio",
]);
const FUNCTIONS = new Set([
  "abs",
  "absent",
  "absent_over_time",
  "ceil",
  "changes",
  "clamp",
  "clamp_max",
  "clamp_min",
  "day_of_month",
  "day_of_week",
  "day_of_year",
  "days_in_month",
  "delta",
  "deriv",
  "exp",
  "floor",
  "histogram_quantile",
  "holt_winters",
  "hour",
  "idelta",
  "increase",
  "irate",
  "label_join",
  "label_replace",
  "ln",
  "log2",
  "log10",
  "minute",
  "month",
  "predict_linear",
  "rate",
  "resets",
  "round",
  "scalar",
  "sgn",
  "sort",
  "sort_desc",
  "sqrt",
  "time",
  "timestamp",
  "vector",
  "year",
  "avg_over_time",
  "min_over_time",
  "max_over_time",
  "sum_over_time",
  "count_over_time",
  "quantile_over_time",
  "stddev_over_time",
  "stdvar_over_time",
  "last_over_time",
  "present_over_time",
]);
// Binary operators by precedence, lowest first; `^` is right-associative.
const PRECEDENCE: string[][] = [
  ["or"],
  ["and", "unless"],
  ["==", "!=", "<=", "<", ">=", ">"],
  ["+", "-"],
  ["*", "/", "%", "atan2"],
  ["^"],
];

type Token = { t: "ident" | "number" | "string" | "op" | "range"; v: string; pos: number };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "#") {
      while (i < src.length && src[i] !== "\n") i++;
      continue;
    }
    if (c === '"' || c === "'" || c === "`") {
      let j = i + 1,
        value = "";
      while (j < src.length && src[j] !== c) {
        if (src[j] === "\\" && c !== "`") {
          value += src[j + 1];
          j += 2;
        } else value += src[j++];
      }
      if (j >= src.length) throw new Error(`unterminated string at ${i}`);
      out.push({ t: "string", v: value, pos: i });
      i = j + 1;
      continue;
    }
    if (c === "[") {
      // Ranges are read whole: "5m", "$__rate_interval", "1h:5m"
      const j = src.indexOf("]", i);
      if (j < 0) throw new Error(`unclosed [ at ${i}`);
      out.push({ t: "range", v: src.slice(i + 1, j).trim(), pos: i });
      i = j + 1;
      continue;
    }
    const num = /^(0x[0-9a-fA-F]+|\d+(\.\d*)?([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)/.exec(src.slice(i));
    if (num) {
      out.push({ t: "number", v: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const id = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(src.slice(i));
    if (id) {
      out.push({ t: "ident", v: id[0], pos: i });
      i += id[0].length;
      continue;
    }
    const op = /^(==|!=|<=|>=|=~|!~|[-+*/%^<>=(){},@])/.exec(src.slice(i));
    if (op) {
      out.push({ t: "op", v: op[0], pos: i });
      i += op[0].length;
      continue;
    }
    throw new Error(`unexpected character ${JSON.stringify(c)} at ${i}`);
  }
  return out;
}

const DURATION = /^(\$\{?__[a-z_]+\}?|(\d+(ms|[smhdwy]))+)$/;

export function parsePromQL(src: string): Node {
  const toks = tokenize(src);
  let k = 0;
  const peek = (o = 0): Token | undefined => toks[k + o];
  const isOp = (v: string, o = 0) => peek(o)?.t === "op" && peek(o)?.v === v;
  const fail = (msg: string): never => {
    throw new Error(`${msg} at ${peek()?.pos ?? src.length}`);
  };
  const expectOp = (v: string) => (isOp(v) ? k++ : fail(`expected "${v}"`));
  const labelList = (): string[] => {
    expectOp("(");
    const names: string[] = [];
    while (!isOp(")")) {
      const t = toks[k++];
      if (t?.t !== "ident") fail("expected a label name");
      names.push(t.v);
      if (!isOp(")")) expectOp(",");
    }
    k++;
    return names;
  };
  const binaryOpAt = (): string | undefined => {
    const t = peek();
    if (!t) return undefined;
    if (t.t === "op" && PRECEDENCE.some((l) => l.includes(t.v))) return t.v;
    if (t.t === "ident" && ["and", "or", "unless", "atan2"].includes(t.v)) return t.v;
    return undefined;
  };
  const level = (op: string) => PRECEDENCE.findIndex((l) => l.includes(op));

  function parseExpr(minLevel = 0): Node {
    let lhs = parseUnary();
    for (;;) {
      const op = binaryOpAt();
      if (!op || level(op) < minLevel) return lhs;
      k++;
      if (peek()?.t === "ident" && peek()?.v === "bool") k++;
      if (peek()?.t === "ident" && (peek()?.v === "on" || peek()?.v === "ignoring")) {
        k++;
        labelList();
      }
      if (peek()?.t === "ident" && (peek()?.v === "group_left" || peek()?.v === "group_right")) {
        k++;
        if (isOp("(")) labelList();
      }
      const rhs = parseExpr(op === "^" ? level(op) : level(op) + 1);
      lhs = { kind: "binary", op, lhs, rhs };
    }
  }

  function parseUnary(): Node {
    if (isOp("-") || isOp("+")) {
      const op = toks[k++].v;
      return { kind: "unary", op, expr: parseUnary() };
    }
    return parsePostfix(parsePrimary());
  }

  function parsePostfix(node: Node): Node {
    for (;;) {
      const t = peek();
      if (t?.t === "range") {
        k++;
        const [range, step] = t.v.split(":").map((s) => s.trim());
        if (!DURATION.test(range) || (step !== undefined && step !== "" && !DURATION.test(step)))
          fail(`bad range [${t.v}]`);
        if (t.v.includes(":")) node = { kind: "subquery", expr: node, range, step: step || undefined };
        else if (node.kind === "selector") node = { kind: "matrix", vector: node, range };
        else fail("a range needs a vector selector");
      } else if (t?.t === "ident" && t.v === "offset") {
        k++;
        if (isOp("-")) k++;
        // "5m" and "1h30m" tokenize as a number followed by an identifier
        if (peek()?.t === "number" && peek(1)?.t === "ident") k += 2;
        else fail("bad offset");
      } else if (isOp("@")) {
        k++;
        if (peek()?.t === "number") k++;
        else if (peek()?.t === "ident" && (peek()?.v === "start" || peek()?.v === "end")) {
          k++;
          expectOp("(");
          expectOp(")");
        } else fail("bad @ modifier");
      } else return node;
    }
  }

  function parseArgs(): Node[] {
    expectOp("(");
    const args: Node[] = [];
    while (!isOp(")")) {
      args.push(parseExpr());
      if (!isOp(")")) expectOp(",");
    }
    k++;
    return args;
  }

  function parseMatchers(): Matcher[] {
    expectOp("{");
    const matchers: Matcher[] = [];
    while (!isOp("}")) {
      const name = toks[k++];
      if (name?.t !== "ident" && name?.t !== "string") fail("expected a label name");
      const op = toks[k++];
      if (op?.t !== "op" || !["=", "!=", "=~", "!~"].includes(op.v)) fail("expected a matcher operator");
      const value = toks[k++];
      if (value?.t !== "string") fail("expected a quoted label value");
      matchers.push({ name: name!.v, op: op!.v as Matcher["op"], value: value!.v });
      if (!isOp("}")) expectOp(",");
    }
    k++;
    return matchers;
  }

  function parsePrimary(): Node {
    const t = peek();
    if (!t) return fail("unexpected end of query");
    if (isOp("(")) {
      k++;
      const expr = parseExpr();
      expectOp(")");
      return { kind: "paren", expr };
    }
    if (t.t === "number") {
      k++;
      return { kind: "number", value: Number(t.v) };
    }
    if (t.t === "string") {
      k++;
      return { kind: "string", value: t.v };
    }
    if (isOp("{")) return { kind: "selector", matchers: parseMatchers() };
    if (t.t === "ident") {
      if (AGGREGATIONS.has(t.v) && (isOp("(", 1) || peek(1)?.v === "by" || peek(1)?.v === "without")) {
        k++;
        let grouping: string[] = [];
        let without = false;
        const modifier = () => {
          if (peek()?.t === "ident" && (peek()?.v === "by" || peek()?.v === "without")) {
            without = toks[k++].v === "without";
            grouping = labelList();
          }
        };
        modifier();
        const args = parseArgs();
        modifier();
        return { kind: "aggregate", op: t.v, args, grouping, without };
      }
      if (isOp("(", 1)) {
        if (!FUNCTIONS.has(t.v)) fail(`unknown function ${t.v}`);
        k++;
        return { kind: "call", func: t.v, args: parseArgs() };
      }
      if (["Inf", "NaN", "inf", "nan"].includes(t.v)) {
        k++;
        return { kind: "number", value: Number.NaN };
      }
      k++;
      return { kind: "selector", name: t.v, matchers: isOp("{") ? parseMatchers() : [] };
    }
    return fail(`unexpected ${JSON.stringify(t.v)}`);
  }

  const node = parseExpr();
  if (k < toks.length) fail(`unexpected ${JSON.stringify(toks[k].v)}`);
  return node;
}

function children(n: Node): Node[] {
  switch (n.kind) {
    case "matrix":
      return [n.vector];
    case "subquery":
      return [n.expr];
    case "call":
    case "aggregate":
      return n.args;
    case "binary":
      return [n.lhs, n.rhs];
    case "unary":
    case "paren":
      return [n.expr];
    default:
      return [];
  }
}

/** Visits every node with its ancestors (nearest last), like Prometheus' parser.Walk. */
export function walk(n: Node, visit: (node: Node, parents: Node[]) => void, parents: Node[] = []): void {
  visit(n, parents);
  for (const c of children(n)) walk(c, visit, [...parents, n]);
}

export function selectors(n: Node): Extract<Node, { kind: "selector" }>[] {
  const out: Extract<Node, { kind: "selector" }>[] = [];
  walk(n, (x) => {
    if (x.kind === "selector") out.push(x);
  });
  return out;
}
