import type { HostTemplateView } from '@berth/contracts';
import { MAX_HOST_TEMPLATES, MAX_TEMPLATE_ERROR_CHARS } from '@berth/domain';
import { heartbeatTemplates } from './host-templates';

const template = (key: string, over: Partial<HostTemplateView> = {}): HostTemplateView => ({
  key,
  state: 'ready',
  vcpu: 1,
  memoryMib: 512,
  disks: 2,
  nics: 1,
  builtAt: '2026-12-07T10:00:00.000Z',
  clones: 0,
  error: null,
  ...over,
});

describe('heartbeatTemplates: what a heartbeat says of the host templates', () => {
  it('passes a short list as it is', () => {
    const list = [template('a'), template('b', { state: 'building', builtAt: null })];
    expect(heartbeatTemplates(list)).toEqual(list);
  });

  it('keeps within the API bound, ready templates first', () => {
    const failed = Array.from({ length: MAX_HOST_TEMPLATES }, (_, i) =>
      template(`f${i}`, { state: 'failed', error: 'no' }),
    );
    const out = heartbeatTemplates([...failed, template('ready-one')]);
    expect(out).toHaveLength(MAX_HOST_TEMPLATES);
    expect(out[0]?.key).toBe('ready-one');
  });

  it('cuts a long error short', () => {
    const [t] = heartbeatTemplates([template('x', { state: 'failed', error: 'e'.repeat(5000) })]);
    expect(t?.error).toHaveLength(MAX_TEMPLATE_ERROR_CHARS);
    expect(t?.error?.endsWith('...')).toBe(true);
  });
});
