import { parser as logqlParser } from '@grafana/lezer-logql';
import { parser as traceqlParser } from '@grafana/lezer-traceql';
import { parser as promqlParser } from '@prometheus-io/lezer-promql';

export type QueryLanguage = 'promql' | 'logql' | 'traceql';

// The three grammars are all @lezer/lr parsers; the PromQL one stands for their common type.
const parsers: Record<QueryLanguage, typeof promqlParser> = {
  promql: promqlParser,
  logql: logqlParser,
  traceql: traceqlParser,
};

export interface SyntaxProblem {
  /** 1-based line and column within the expression. */
  line: number;
  column: number;
  /** The text around the problem, so a reader finds it without counting characters. */
  near: string;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

/** Every place the grammar of `language` rejects `expr`; empty when it parses. */
export function syntaxProblems(language: QueryLanguage, expr: string): SyntaxProblem[] {
  const problems: SyntaxProblem[] = [];
  if (expr.trim() === '') return [{ line: 1, column: 1, near: '(empty expression)' }];
  parsers[language].parse(expr).iterate({
    enter(node) {
      if (!node.type.isError) return;
      problems.push({
        ...lineAndColumn(expr, node.from),
        near: JSON.stringify(expr.slice(Math.max(0, node.from - 20), node.from + 20)),
      });
    },
  });
  return problems;
}

/** Metric names a PromQL expression selects (`foo` in `rate(foo{a="b"}[5m])`). */
export function promqlMetricNames(expr: string): string[] {
  const names = new Set<string>();
  promqlParser.parse(expr).iterate({
    enter(node) {
      if (node.name !== 'VectorSelector') return;
      const identifier = node.node.getChild('Identifier');
      if (identifier) names.add(expr.slice(identifier.from, identifier.to));
    },
  });
  return [...names];
}

/** The text of every node of this grammar's `nodeName` in `expr`. */
function nodeTexts(language: QueryLanguage, expr: string, nodeName: string): string[] {
  const texts: string[] = [];
  parsers[language].parse(expr).iterate({
    enter(node) {
      if (node.name === nodeName) texts.push(expr.slice(node.from, node.to));
    },
  });
  return texts;
}

/** The text of every vector selector of a PromQL expression (`foo{a="b"}` in `rate(foo{a="b"}[5m])`). */
export const vectorSelectors = (expr: string) => nodeTexts('promql', expr, 'VectorSelector');

/** Label names used in stream selectors and filters of a LogQL expression (`app` in `{app="web"}`). */
export const logqlStreamSelectors = (expr: string) => nodeTexts('logql', expr, 'Selector');

const COMPARISONS = new Set(['Gtr', 'Lss', 'Gte', 'Lte', 'Eql', 'Neq']);

export interface ThresholdLiteral {
  from: number;
  to: number;
  value: number;
}

/**
 * The number on the right of an expression's top-level comparison: `20` in `histogram_quantile(…) > 20`.
 * Undefined when the expression is not of that shape (then it cannot take a per-environment threshold).
 */
export function topLevelThreshold(expr: string): ThresholdLiteral | undefined {
  const root = promqlParser.parse(expr).topNode.firstChild;
  if (root?.name !== 'BinaryExpr') return undefined;
  const operator = root.firstChild?.nextSibling;
  const right = root.lastChild;
  if (!operator || !COMPARISONS.has(operator.name) || right?.name !== 'NumberDurationLiteral')
    return undefined;
  const value = Number(expr.slice(right.from, right.to));
  return Number.isFinite(value) ? { from: right.from, to: right.to, value } : undefined;
}

/** Replaces the top-level comparison's number; throws naming the alert when there is none. */
export function withThreshold(expr: string, value: number, alert: string): string {
  const literal = topLevelThreshold(expr);
  if (!literal) {
    throw new Error(
      `${alert}: a per-environment threshold needs an expression of the form "<query> > <number>" — ` +
        'rewrite the rule or remove its entry from thresholds in grafana/environments.yaml',
    );
  }
  return `${expr.slice(0, literal.from)}${value}${expr.slice(literal.to)}`;
}

/** Replaces range windows (`[5m]`) through `windows`; offsets and other durations are left alone. */
export function withRangeWindows(expr: string, windows: Record<string, string>): string {
  const edits: Array<{ from: number; to: number; text: string }> = [];
  promqlParser.parse(expr).iterate({
    enter(node) {
      if (node.name !== 'MatrixSelector') return;
      const range = node.node.getChild('DurationExpr');
      const replacement = range ? windows[expr.slice(range.from, range.to)] : undefined;
      if (range && replacement) edits.push({ from: range.from, to: range.to, text: replacement });
    },
  });
  return edits
    .sort((a, b) => b.from - a.from)
    .reduce((text, edit) => text.slice(0, edit.from) + edit.text + text.slice(edit.to), expr);
}

/**
 * Adds `matcher` (e.g. namespace="telemetry-kit") to every vector selector of a PromQL expression, so a
 * rule sees only the kit's own series in a shared Prometheus (as monitoring mixins scope theirs).
 */
export function withScope(expr: string, matcher: string): string {
  const edits: Array<{ at: number; text: string }> = [];
  promqlParser.parse(expr).iterate({
    enter(node) {
      if (node.name !== 'VectorSelector') return;
      const matchers = node.node.getChild('LabelMatchers');
      if (matchers) {
        const empty = expr.slice(matchers.from + 1, matchers.to - 1).trim() === '';
        edits.push({ at: matchers.from + 1, text: empty ? matcher : `${matcher}, ` });
      } else {
        edits.push({ at: node.to, text: `{${matcher}}` });
      }
    },
  });
  return edits
    .sort((a, b) => b.at - a.at)
    .reduce((text, edit) => text.slice(0, edit.at) + edit.text + text.slice(edit.at), expr);
}

/** Undoes withScope: the expression as written, for comparing environments that scope differently. */
export function withoutScope(expr: string, matcher: string): string {
  return expr.replaceAll(`{${matcher}}`, '').replaceAll(`{${matcher}, `, '{');
}
