// apply_backpressure: cap each queue of the context with a max-length (reject-publish) policy. The strategy's
// `max_length` parameter is the default; a heal request's `maxLength` overrides it.
import { numberParam, type ActionHandler } from './handler';

export const applyBackpressure: ActionHandler<'apply_backpressure'> = {
  kind: 'apply_backpressure',
  inverse: { kind: 'release_backpressure', description: 'remove the max-length policy this heal put on the queue' },
  planSteps({ heal, action, observed }) {
    const maxLength = heal.maxLength ?? numberParam(action, 'max_length', 1000);
    return observed.queues.flatMap((q) =>
      q.info
        ? [
            {
              action: 'apply_backpressure' as const,
              target: { kind: 'queue' as const, id: q.name },
              params: { maxLength },
              expected_effect: `limit queue ${q.name} to ${maxLength} messages (reject-publish); it holds ${q.info.messages} now`,
            },
          ]
        : [],
    );
  },
  blastRadius: () => 1,
  engineContainer: () => null,
  // A queue has no container to look at; name a verifier (http_probe, metric_recheck) to check its effect.
  observedTargets: () => [],
  defaultVerifier: null,
};
