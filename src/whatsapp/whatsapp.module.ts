import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WaAuthCredsEntity, WaAuthKeyEntity, WaInboundJournalEntity } from './auth-state.entities.js';
import { InboundJournal } from './inbound-journal.js';
import { PostgresAuthStateRepository } from './postgres-auth-state.js';
import { WhatsAppSocketFactory } from './socket-factory.js';
import { PreKeyPrefetch } from './prekey-prefetch.js';
import { WaVersionService } from './wa-version.js';

/** The only module that imports baileys. */
@Module({
  imports: [TypeOrmModule.forFeature([WaAuthCredsEntity, WaAuthKeyEntity, WaInboundJournalEntity])],
  providers: [PostgresAuthStateRepository, InboundJournal, WhatsAppSocketFactory, PreKeyPrefetch, WaVersionService],
  exports: [PostgresAuthStateRepository, WhatsAppSocketFactory, PreKeyPrefetch, WaVersionService],
})
export class WhatsAppModule {}
