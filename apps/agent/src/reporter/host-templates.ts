import type { HostTemplateView } from '@berth/contracts';
import { MAX_HOST_TEMPLATES } from '@berth/domain';

/** The longest template error a heartbeat carries (the API refuses longer; a QEMU log tail can run long). */
export const MAX_TEMPLATE_ERROR_CHARS = 500;

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
    .map((t) =>
      t.error !== null && t.error.length > MAX_TEMPLATE_ERROR_CHARS
        ? { ...t, error: `${t.error.slice(0, MAX_TEMPLATE_ERROR_CHARS - 3)}...` }
        : { ...t },
    );
}
