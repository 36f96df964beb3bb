import { ndjsonBody, parseNdjson } from './ndjson';

describe('parseNdjson', () => {
  it('parses one value per line and skips empty lines, the last newline included', () => {
    expect(parseNdjson('{"text":"a"}\n\n{"text":"b"}\n')).toEqual([{ text: 'a' }, { text: 'b' }]);
  });

  it('is empty for no text', () => {
    expect(parseNdjson('')).toEqual([]);
  });

  it('refuses a line that is not JSON rather than dropping it', () => {
    expect(() => parseNdjson('{"text":"a"}\nnot json\n')).toThrow(SyntaxError);
  });
});

describe('ndjsonBody', () => {
  const res = (body: unknown) => ({ status: 200, body, headers: new Headers() });

  it('reads several lines left as text, one line parsed as JSON, and an empty body', () => {
    expect(ndjsonBody(res('{"text":"a"}\n{"text":"b"}\n'))).toEqual([{ text: 'a' }, { text: 'b' }]);
    expect(ndjsonBody(res({ text: 'a' }))).toEqual([{ text: 'a' }]);
    expect(ndjsonBody(res(undefined))).toEqual([]);
  });
});
