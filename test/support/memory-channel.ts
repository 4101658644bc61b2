import type { ChannelReceiver, RevocationChannel } from "tessera-auth";

/**
 * Channels between caches of one process, driven by the test: messages are
 * delivered when published (to every channel of the bus, the sender's
 * included) unless the bus is cut; confirmations and outages happen only
 * when the test says. For the cache's own logic; the real channels are tested
 * on their servers.
 */
export class MemoryBus {
  readonly channels: MemoryChannel[] = [];
  /** While true, publishing fails and nothing is delivered. */
  cut = false;
  published: string[] = [];

  channel(): MemoryChannel {
    const channel = new MemoryChannel(this);
    this.channels.push(channel);
    return channel;
  }

  deliver(message: string): void {
    if (this.cut) throw new Error("the bus is cut");
    this.published.push(message);
    for (const channel of this.channels) channel.receiver?.message(message);
  }
}

export class MemoryChannel implements RevocationChannel {
  readonly name = "memory";
  receiver: ChannelReceiver | null = null;
  closed = false;

  constructor(private readonly bus: MemoryBus) {}

  async start(receiver: ChannelReceiver): Promise<void> {
    this.receiver = receiver;
  }

  async publish(message: string): Promise<void> {
    this.bus.deliver(message);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** A heartbeat sent now came back. */
  confirm(): void {
    const receiver = this.receiver as ChannelReceiver;
    receiver.confirmed(receiver.now());
  }

  down(reason = "cut by the test"): void {
    this.receiver?.down(reason);
  }
}
