import { templateKey, type TemplateLayout } from './template-store';

const layout: TemplateLayout = {
  kernel: '/k/vmlinux',
  initrd: '/k/initramfs.cpio',
  accel: 'tcg',
  tscKhz: 2_500_000,
  memoryMib: 128,
  vcpu: 1,
  disks: [true, false],
  nics: 0,
};
const kernel = { size: 100, mtimeMs: 1 };
const initrd = { size: 200, mtimeMs: 2 };

describe('templateKey', () => {
  it('is stable for one layout and build of kernel and init', () => {
    expect(templateKey(layout, kernel, initrd)).toBe(
      templateKey({ ...layout }, { ...kernel }, { ...initrd }),
    );
    expect(templateKey(layout, kernel, initrd)).toMatch(/^[0-9a-f]{20}$/);
  });

  it('changes with the size, the device layout, the accelerator, the TSC rate and a rebuilt kernel or init', () => {
    const key = templateKey(layout, kernel, initrd);
    const variants = [
      templateKey({ ...layout, memoryMib: 256 }, kernel, initrd),
      templateKey({ ...layout, vcpu: 2 }, kernel, initrd),
      templateKey({ ...layout, disks: [true, false, false] }, kernel, initrd),
      templateKey({ ...layout, disks: [false, false] }, kernel, initrd),
      templateKey({ ...layout, nics: 1 }, kernel, initrd),
      templateKey({ ...layout, accel: 'kvm' }, kernel, initrd),
      templateKey({ ...layout, tscKhz: 2_600_000 }, kernel, initrd),
      templateKey(layout, { ...kernel, mtimeMs: 3 }, initrd),
      templateKey(layout, kernel, { ...initrd, size: 201 }),
      templateKey({ ...layout, kernel: '/other/vmlinux' }, kernel, initrd),
    ];
    expect(new Set([key, ...variants]).size).toBe(variants.length + 1);
  });
});
