import * as path from 'node:path';
import type { AgentConfig } from '@berth/config';
import type { Driver } from './driver';
import { HollowDriver } from './hollow.driver';
import { probeAccel } from './qemu/accel-probe';
import { QemuDriver } from './qemu/qemu.driver';
import { hostTscKhz } from './qemu/host-tsc';

/** Builds the configured driver; for QEMU, decides the accelerator and re-adopts running VMs. */
export async function createDriver(config: AgentConfig, log: (m: string) => void): Promise<Driver> {
  switch (config.driver) {
    case 'hollow':
      return new HollowDriver(config.hollowBootDelayMs);
    case 'qemu': {
      const { kernel, initrd } = config.qemu;
      let accel: 'kvm' | 'tcg';
      if (config.qemu.accel === 'auto') {
        const probe = await probeAccel(kernel, initrd);
        log(`accelerator: ${probe.accel} (${probe.reason})`);
        accel = probe.accel;
      } else {
        accel = config.qemu.accel;
      }
      const driver = new QemuDriver({
        machinesDir: path.join(config.stateDir, 'machines'),
        kernel,
        initrd,
        accel,
        bootTimeoutMs: config.qemu.bootTimeoutMs,
        tscKhz: hostTscKhz(),
        netns: config.network.netns,
        templates: config.qemu.templates.enabled
          ? { dir: config.qemu.templates.dir, prebuild: config.qemu.templates.prebuild }
          : null,
        log,
      });
      await driver.adopt();
      await driver.startTemplates();
      return driver;
    }
  }
}
