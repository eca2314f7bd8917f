import { Module } from '@nestjs/common';
import { ContactsModule } from '../contacts/contacts.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { BlocklistController } from './blocklist.controller.js';
import { BlocklistService } from './blocklist.service.js';

/** Block, unblock and the blocklist (CONTRACT Part 3). */
@Module({
  imports: [SessionsModule, ContactsModule],
  controllers: [BlocklistController],
  providers: [BlocklistService],
})
export class BlocklistModule {}
