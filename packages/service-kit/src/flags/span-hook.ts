import type { EvaluationDetails, FlagValue, Hook, HookContext } from '@openfeature/server-sdk';
import { trace } from '@opentelemetry/api';

/** OpenTelemetry's feature-flag semantic conventions (semconv 1.3x, `feature_flag.*`, experimental). */
export const FEATURE_FLAG_EVALUATION = 'feature_flag.evaluation';

/**
 * Records every evaluation as a `feature_flag.evaluation` event on the active span (the request's
 * server span where a route evaluates): the flag key, the provider, the variant and reason, the flag
 * set, and the error type when it failed. Never `feature_flag.context.id` (it is the user id) nor
 * `feature_flag.result.value`: the variant names the result without carrying its content.
 */
export class SpanEventHook implements Hook {
  finally(hookContext: Readonly<HookContext>, details: EvaluationDetails<FlagValue>): void {
    const span = trace.getActiveSpan();
    if (!span) return;
    const setId = details.flagMetadata.flagSetId;
    span.addEvent(FEATURE_FLAG_EVALUATION, {
      'feature_flag.key': details.flagKey,
      'feature_flag.provider.name': hookContext.providerMetadata.name,
      ...(details.variant ? { 'feature_flag.result.variant': details.variant } : {}),
      ...(details.reason ? { 'feature_flag.result.reason': details.reason.toLowerCase() } : {}),
      ...(typeof setId === 'string' ? { 'feature_flag.set.id': setId } : {}),
      ...(details.errorCode ? { 'error.type': details.errorCode.toLowerCase() } : {}),
    });
  }
}
