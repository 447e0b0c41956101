import type { Notifier } from '../../domain/ports.ts';
import { type Delivery, DeliveryError } from '../../notify/delivery.ts';

/** The notifier port over the channel adapters: each delivery goes to its channel's adapter. */
export class ChannelRouter implements Notifier {
  constructor(private readonly channels: Partial<Record<Delivery['channel'], Notifier>>) {}

  async send(d: Delivery): Promise<void> {
    const adapter = this.channels[d.channel];
    if (!adapter) throw new DeliveryError(`no ${d.channel} channel is configured`, false);
    await adapter.send(d);
  }
}
