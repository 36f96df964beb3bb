import { DomainError } from './errors';
import { formatCidr, formatIpv4, parseCidr } from './ipv4';
import { chooseNetworkBlock, networkFull, nicAddressAt, nicSlots } from './network-addressing';

function refusal(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a DomainError');
}

describe('chooseNetworkBlock', () => {
  const fallback = parseCidr('10.0.0.0/24');
  const mine = [{ id: 'net_mine', name: 'backend', cidr: '10.1.0.0/24' }];
  const everyone = [parseCidr('10.0.0.0/24'), parseCidr('10.1.0.0/24'), parseCidr('10.2.0.0/16')];

  it('gives a requested block that overlaps nothing', () => {
    expect(formatCidr(chooseNetworkBlock(parseCidr('10.3.0.0/24'), fallback, mine, everyone))).toBe(
      '10.3.0.0/24',
    );
  });

  it("refuses a block overlapping the tenant's own network, naming it", () => {
    const err = refusal(() => chooseNetworkBlock(parseCidr('10.1.0.128/25'), fallback, mine, everyone));
    expect(err.code).toBe('network/overlap');
    expect(err.message).toBe('10.1.0.128/25 overlaps your network backend (10.1.0.0/24)');
    expect(err.details).toEqual({ network: 'net_mine', cidr: '10.1.0.0/24' });
  });

  it("refuses a block overlapping another tenant's network without naming it", () => {
    const err = refusal(() => chooseNetworkBlock(parseCidr('10.2.5.0/24'), fallback, mine, everyone));
    expect(err.code).toBe('network/overlap');
    expect(err.message).not.toContain('net_');
    expect(err.details).toBeUndefined();
  });

  it('with no request, gives the fallback or the next free block of its size', () => {
    expect(formatCidr(chooseNetworkBlock(null, parseCidr('10.9.0.0/24'), mine, everyone))).toBe(
      '10.9.0.0/24',
    );
    expect(formatCidr(chooseNetworkBlock(null, fallback, mine, everyone))).toBe('10.0.1.0/24');
  });

  it('with no request and no free block, says to give a cidr', () => {
    const whole = parseCidr('10.0.0.0/8');
    const err = refusal(() => chooseNetworkBlock(null, parseCidr('10.0.0.0/16'), [], [whole]));
    expect(err.code).toBe('network/overlap');
    expect(err.message).toBe('no /16 block is free; give a cidr');
  });
});

describe('NIC addresses of a network', () => {
  const network = { id: 'net_a', name: 'a', cidr: '10.0.0.0/29' };

  it('slots run over the host addresses after the gateway', () => {
    const { first, end } = nicSlots(network);
    expect([first, end]).toEqual([1, 6]);
    expect(formatIpv4(nicAddressAt(network, first))).toBe('10.0.0.2');
    expect(formatIpv4(nicAddressAt(network, end - 1))).toBe('10.0.0.6');
    expect(() => nicAddressAt(network, end)).toThrow(RangeError);
  });

  it('a full network is network/full, naming it', () => {
    const err = networkFull(network);
    expect(err.code).toBe('network/full');
    expect(err.message).toContain('network a (10.0.0.0/29) has no free address');
    expect(err.details).toEqual({ network: 'net_a' });
  });
});
