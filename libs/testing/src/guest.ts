import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/**
 * The guest kernel and initramfs that `npm test` built (scripts/guest-assets.sh) before jest started.
 * The paths come from the environment, or the cache's `current` links.
 */
export function guestAssets(): { kernel: string; initrd: string } {
  const kernel = process.env.BERTH_GUEST_KERNEL ?? '/var/cache/berth/current/vmlinux';
  const initrd = process.env.BERTH_GUEST_INITRD ?? '/var/cache/berth/current/initramfs.cpio';
  for (const f of [kernel, initrd]) {
    if (!existsSync(f))
      throw new Error(`${f} is missing: run \`bash scripts/guest-assets.sh\` first (npm test does)`);
  }
  return { kernel, initrd };
}

/**
 * A read-only erofs root filesystem with busybox-static and its applets, plus `files`, built without
 * a registry: for driver tests that are not about images.
 */
export function busyboxRootfs(out: string, files: Record<string, string> = {}): string {
  const root = mkdtempSync(path.join(tmpdir(), 'berth-rootfs-'));
  try {
    for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'root'])
      mkdirSync(path.join(root, d), { recursive: true });
    execFileSync('cp', ['/bin/busybox', path.join(root, 'bin/busybox')]);
    const applets = execFileSync('/bin/busybox', ['--list'])
      .toString()
      .split('\n')
      .filter((a) => a && a !== 'busybox');
    for (const a of applets) symlinkSync('busybox', path.join(root, 'bin', a));
    writeFileSync(
      path.join(root, 'etc/passwd'),
      'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n',
    );
    writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
    for (const [p, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
      writeFileSync(path.join(root, p), content, { mode: 0o755 });
    }
    execFileSync('mkfs.erofs', [out, root], { stdio: 'ignore' });
    return out;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
