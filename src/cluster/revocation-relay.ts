/**
 * Revoked credentials across nodes: a revocation made on this node (API key revoked, logout-all,
 * password reset) is published on the cluster channel, and one published by another node is
 * applied here, so the connections it opened on any node close (credential-revocations.ts).
 */
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { CredentialRevocations } from '../auth/credential-revocations.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { RedisBus } from './redis-bus.js';

@Injectable()
export class RevocationRelay implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly nodeId: string;
  private stop?: () => void;

  constructor(
    private readonly bus: RedisBus,
    private readonly revocations: CredentialRevocations,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.nodeId = config.cluster!.nodeId;
  }

  onApplicationBootstrap(): void {
    this.stop = this.revocations.onRevoked((revocation, relayed) => {
      if (!relayed) this.bus.publish({ kind: 'revoked', nodeId: this.nodeId, revocation });
    });
    this.bus.subscribe((message) => {
      if (message.kind === 'revoked' && message.nodeId !== this.nodeId) this.revocations.publish(message.revocation, true);
    });
  }

  onModuleDestroy(): void {
    this.stop?.();
  }
}
