import { parseEnvEntry, parseEnvFile, parseKeyValue } from './env-vars';

const lookup = (n: string) => ({ FROM_SHELL: 'shell-value' })[n];

describe('env vars', () => {
  it('KEY=VALUE is verbatim; a bare KEY passes the caller value through, or nothing', () => {
    expect(parseEnvEntry('A=b=c', lookup, '-e')).toEqual(['A', 'b=c']);
    expect(parseEnvEntry('A="quoted"', lookup, '-e')).toEqual(['A', '"quoted"']);
    expect(parseEnvEntry('FROM_SHELL', lookup, '-e')).toEqual(['FROM_SHELL', 'shell-value']);
    expect(parseEnvEntry('MISSING', lookup, '-e')).toBeUndefined();
    expect(() => parseEnvEntry('1X=2', lookup, '-e')).toThrow('-e: "1X" is not a valid variable name');
  });

  it('env files skip comments and blank lines and name the bad line', () => {
    expect(parseEnvFile('# c\n\n  A=1\r\nB= spaced \nFROM_SHELL\n', 'f.env', lookup)).toEqual({
      A: '1',
      B: ' spaced ',
      FROM_SHELL: 'shell-value',
    });
    expect(() => parseEnvFile('A=1\nnot valid=x\n', 'f.env', lookup)).toThrow('f.env:2');
  });

  it('key=value pairs need a key', () => {
    expect(parseKeyValue('app=web=1', 'label')).toEqual(['app', 'web=1']);
    expect(() => parseKeyValue('=x', 'label')).toThrow('label "=x" must be key=value');
  });
});
