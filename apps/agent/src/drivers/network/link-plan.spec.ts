import { bridgeName, gatewayMac, vxlanName } from './device-names';
import { floodLines, networkLines, tapLines } from './link-plan';
import { parseLinkTable } from './link-state';

const n = { vni: 7, cidr: '10.7.0.0/24', gateway: '10.7.0.1', mtu: 1450 };
const ends = { localAddress: '198.18.0.1', underlayIface: 'ul0' };

/** `ip -j addr show` as the kernel lists a host where network 7 is in place, with a tap on no bridge. */
const inPlace = () => [
  {
    ifname: bridgeName(7),
    flags: ['BROADCAST', 'UP', 'LOWER_UP'],
    mtu: 1450,
    address: gatewayMac(7),
    addr_info: [{ family: 'inet', local: '10.7.0.1', prefixlen: 24 }],
  },
  { ifname: vxlanName(7), flags: ['UP'], mtu: 1450, master: bridgeName(7), address: '12:34:56:78:9a:bc' },
  { ifname: 'tp0123456789a', flags: ['BROADCAST'], mtu: 1450, address: '12:34:56:78:9a:bd' },
];

describe('networkLines', () => {
  it('changes nothing on a host where the network is in place', () => {
    expect(networkLines(parseLinkTable(JSON.stringify(inPlace())), n, ends)).toEqual([]);
  });

  it('makes the whole network on a host without it, in the order the kernel needs', () => {
    expect(networkLines(parseLinkTable('[]'), n, ends).map((l) => l.join(' '))).toEqual([
      'link add bn7 type bridge',
      `link set bn7 address ${gatewayMac(7)} mtu 1450`,
      'addr replace 10.7.0.1/24 dev bn7',
      'link set bn7 up',
      'link add vx7 type vxlan id 7 local 198.18.0.1 dstport 4789 nolearning dev ul0',
      'link set vx7 mtu 1450 master bn7 up',
    ]);
  });

  it('puts back only what differs: a bridge down, a gateway address gone, a VXLAN device off its bridge', () => {
    const links = inPlace();
    links[0]!.flags = ['BROADCAST'];
    links[0]!.addr_info = [{ family: 'inet', local: '10.7.0.1', prefixlen: 16 }];
    links[1]!.master = undefined;
    expect(networkLines(parseLinkTable(JSON.stringify(links)), n, ends).map((l) => l.join(' '))).toEqual([
      'addr replace 10.7.0.1/24 dev bn7',
      'link set bn7 up',
      'link set vx7 mtu 1450 master bn7 up',
    ]);
  });
});

describe('tapLines', () => {
  const links = parseLinkTable(JSON.stringify(inPlace()));
  it('makes a missing tap and sets its MTU, and leaves one that is right alone', () => {
    expect(tapLines(links, 'tpffffffffff0', 1450).map((l) => l.join(' '))).toEqual([
      'tuntap add dev tpffffffffff0 mode tap',
      'link set tpffffffffff0 mtu 1450',
    ]);
    expect(tapLines(links, 'tp0123456789a', 1450)).toEqual([]);
    expect(tapLines(links, 'tp0123456789a', 1400).map((l) => l.join(' '))).toEqual([
      'link set tp0123456789a mtu 1400',
    ]);
  });
});

describe('floodLines', () => {
  it("appends missing peers and deletes gone ones, of this VXLAN device only, never this host's own address", () => {
    const entries = [
      { mac: '00:00:00:00:00:00', ifname: 'vx7', dst: '198.18.0.2' },
      { mac: '00:00:00:00:00:00', ifname: 'vx7', dst: '198.18.0.3' },
      { mac: '00:00:00:00:00:00', ifname: 'vx8', dst: '198.18.0.4' },
      { mac: '52:54:00:00:00:01', ifname: 'vx7', dst: '198.18.0.9' },
    ];
    expect(
      floodLines(entries, 7, ['198.18.0.1', '198.18.0.2', '198.18.0.4'], '198.18.0.1').map((l) =>
        l.join(' '),
      ),
    ).toEqual([
      'fdb append 00:00:00:00:00:00 dev vx7 dst 198.18.0.4',
      'fdb del 00:00:00:00:00:00 dev vx7 dst 198.18.0.3',
    ]);
    expect(floodLines(entries, 7, ['198.18.0.2', '198.18.0.3'], '198.18.0.1')).toEqual([]);
  });
});
