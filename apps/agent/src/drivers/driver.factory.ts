import type { AgentConfig } from '@berth/config';
import type { Driver } from './driver';
import { HollowDriver } from './hollow.driver';

export function createDriver(config: AgentConfig): Driver {
  switch (config.driver) {
    case 'hollow':
      return new HollowDriver(config.hollowBootDelayMs);
  }
}
