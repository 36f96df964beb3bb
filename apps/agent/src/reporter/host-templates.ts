import type { HostTemplateView } from '@berth/contracts';
import { MAX_HOST_TEMPLATES, MAX_TEMPLATE_ERROR_CHARS } from '@berth/domain';
import { clipText } from '../util/clip-text';

/**
 * The host's templates as a heartbeat carries them: within the API's bounds (at most MAX_HOST_TEMPLATES,
 * ready ones first so that a long list never hides them; errors cut short), so that a heartbeat is never
 * refused for them: a refused heartbeat would leave the host to be reaped as lost.
 */
export function heartbeatTemplates(templates: readonly HostTemplateView[]): HostTemplateView[] {
  const rank = (t: HostTemplateView) => (t.state === 'ready' ? 0 : 1);
  return [...templates]
    .sort((a, b) => rank(a) - rank(b))
    .slice(0, MAX_HOST_TEMPLATES)
    .map((t) => ({ ...t, error: t.error === null ? null : clipText(t.error, MAX_TEMPLATE_ERROR_CHARS) }));
}
