// MAC addresses of container NICs. Every NIC gets a locally administered unicast address under
// QEMU's own prefix 52:54:00 (0x52: the "locally administered" bit set, the multicast bit clear), with
// three random bytes; Postgres' unique constraint on the text catches the rare repeat and the caller
// draws again.

export const MAC_PREFIX = '52:54:00';
const MAC_PATTERN = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** A new NIC address: `52:54:00:` and three random bytes (from `random`, for tests), lowercase. */
export function newMac(random: Uint8Array = crypto.getRandomValues(new Uint8Array(3))): string {
  if (random.length !== 3) throw new RangeError(`a MAC suffix is 3 bytes, got ${random.length}`);
  return `${MAC_PREFIX}:${[...random].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
}

/** Six lowercase hex pairs separated by colons: the one spelling berth stores. */
export function isValidMac(mac: unknown): mac is string {
  return typeof mac === 'string' && MAC_PATTERN.test(mac);
}

/** A valid MAC whose first octet says "locally administered" and "unicast": safe to give a NIC. */
export function isLocalUnicastMac(mac: unknown): boolean {
  if (!isValidMac(mac)) return false;
  const first = parseInt(mac.slice(0, 2), 16);
  return (first & 0x02) !== 0 && (first & 0x01) === 0;
}
