// How Argo Rollouts judges an analysis, for the tests that run the generated AnalysisTemplates' queries
// against a real Prometheus. Read from argo-rollouts v1.9.1: utils/evaluate/evaluate.go (a condition is an
// expr-lang expression over `result`; without a failureCondition a measurement fails when the success
// condition is false, and an evaluation error is an Error measurement), metricproviders/prometheus
// (a vector result is the list of its sample values) and utils/analysis (a metric fails once its failed
// measurements exceed failureLimit, errors once consecutive errors exceed consecutiveErrorLimit, default
// 4). Only the expression forms the kit generates or documents are understood; anything else throws.

export type Phase = 'Successful' | 'Failed' | 'Inconclusive' | 'Error';

type Value = number | boolean | string | number[] | Value[];

/** Evaluates one condition over a result, as expr-lang would for these forms. */
export function evalCondition(condition: string, result: unknown): boolean {
  const tokens = condition.match(
    /\s*(\d+(?:\.\d+)?(?:e-?\d+)?|&&|\|\||[=!<>]=|[<>()[\],]|"[^"]*"|[A-Za-z_]\w*)/g,
  );
  if (!tokens || tokens.join('').replace(/\s/g, '') !== condition.replace(/\s/g, '')) {
    throw new Error(`unsupported condition: ${condition}`);
  }
  let at = 0;
  const peek = () => tokens[at]?.trim();
  const next = () => tokens[at++]?.trim() ?? '';
  const expect = (token: string) => {
    if (next() !== token) throw new Error(`expected ${token} in ${condition}`);
  };
  const functions: Record<string, (arg: Value) => Value> = {
    len: (v) => {
      if (!Array.isArray(v) && typeof v !== 'string') throw new Error('len of a non-list');
      return v.length;
    },
    isNaN: (v) => Number.isNaN(v as number),
  };
  const primary = (): Value => {
    const token = next();
    let value: Value;
    if (token === '(') {
      value = or();
      expect(')');
    } else if (/^\d/.test(token)) value = Number(token);
    else if (token === 'true' || token === 'false') value = token === 'true';
    else if (token.startsWith('"')) value = token.slice(1, -1);
    else if (token === 'result') value = result as Value;
    else if (functions[token]) {
      expect('(');
      const arg = or();
      expect(')');
      value = (functions[token] as (arg: Value) => Value)(arg);
    } else throw new Error(`unknown name ${token} in ${condition}`);
    while (peek() === '[') {
      next();
      const index = or() as number;
      expect(']');
      if (!Array.isArray(value) || index >= value.length) {
        throw new Error(`index out of range: result[${index}] of ${JSON.stringify(value)}`);
      }
      value = value[index] as Value;
    }
    return value;
  };
  const comparison = (): Value => {
    const left = primary();
    const op = peek();
    if (!op || !['==', '!=', '<', '<=', '>', '>='].includes(op)) return left;
    next();
    const right = primary();
    switch (op) {
      case '==':
        return left === right;
      case '!=':
        return left !== right;
      case '<':
        return (left as number) < (right as number);
      case '<=':
        return (left as number) <= (right as number);
      case '>':
        return (left as number) > (right as number);
      default:
        return (left as number) >= (right as number);
    }
  };
  const and = (): Value => {
    let value = comparison();
    while (peek() === '&&') {
      next();
      const right = comparison();
      value = value === true && right === true;
    }
    return value;
  };
  function or(): Value {
    let value = and();
    while (peek() === '||') {
      next();
      const right = and();
      value = value === true || right === true;
    }
    return value;
  }
  const value = or();
  if (at !== tokens.length) throw new Error(`trailing tokens in ${condition}`);
  if (typeof value !== 'boolean') throw new Error(`${condition} is not a boolean`);
  return value;
}

export interface MetricConditions {
  successCondition?: string;
  failureCondition?: string;
}

/** One measurement's phase (evaluate.EvaluateResult). */
export function measurementPhase(metric: MetricConditions, result: unknown): Phase {
  let success = false;
  let failure = false;
  try {
    if (metric.successCondition) success = evalCondition(metric.successCondition, result);
    if (metric.failureCondition) failure = evalCondition(metric.failureCondition, result);
  } catch {
    return 'Error';
  }
  if (!metric.successCondition && !metric.failureCondition) return 'Successful';
  if (metric.successCondition && !metric.failureCondition) failure = !success;
  if (!metric.successCondition && metric.failureCondition) success = !failure;
  if (failure) return 'Failed';
  return success ? 'Successful' : 'Inconclusive';
}

export interface MetricLimits {
  failureLimit?: number;
  inconclusiveLimit?: number;
  consecutiveErrorLimit?: number;
}

/** The metric's outcome over its measurements so far (analysis.go): Failed past failureLimit, and so on. */
export function metricPhase(metric: MetricLimits, measurements: Phase[]): Phase | 'Running' {
  const count = (phase: Phase) => measurements.filter((m) => m === phase).length;
  let consecutiveErrors = 0;
  for (const m of measurements) consecutiveErrors = m === 'Error' ? consecutiveErrors + 1 : 0;
  // Later checks win, as in assessMetricFailureInconclusiveOrError.
  let phase: Phase | 'Running' = 'Running';
  if (count('Failed') > (metric.failureLimit ?? 0)) phase = 'Failed';
  if (count('Inconclusive') > (metric.inconclusiveLimit ?? 0)) phase = 'Inconclusive';
  if (consecutiveErrors > (metric.consecutiveErrorLimit ?? 4)) phase = 'Error';
  return phase;
}

/** An analysis' outcome once its metrics took their measurements: the worst metric decides. */
export function analysisPhase(metrics: Array<MetricLimits & { measurements: Phase[] }>): Phase {
  const phases = metrics.map((m) => metricPhase(m, m.measurements));
  for (const worst of ['Failed', 'Error', 'Inconclusive'] as const) if (phases.includes(worst)) return worst;
  return 'Successful';
}

/** `{{args.name}}` substituted, as the controller does when it creates an AnalysisRun. */
export function withArgs(text: string, args: Record<string, string>): string {
  return text.replace(/\{\{\s*args\.([\w-]+)\s*\}\}/g, (_, name: string) => {
    const value = args[name];
    if (value === undefined) throw new Error(`no value for args.${name}`);
    return value;
  });
}
